// Loads the optional native addon (native/stat-batch.c, built into build/Release/stat_batch.node by `npm install`
// when a compiler is present). The single executable's bundle swaps this module for runtime/sea/native-addon.ts,
// which loads the copy carried inside the executable.

import { createRequire } from 'node:module';
import { PACKAGE_ROOT } from '../package-root.js';

/** The addon's exports, or undefined when it was not built (no compiler, `--ignore-scripts`) or can't load. */
export function loadNativeAddon(): unknown {
  if (!PACKAGE_ROOT) return undefined;
  try {
    return createRequire(import.meta.url)(new URL('build/Release/stat_batch.node', PACKAGE_ROOT).pathname) as unknown;
  } catch {
    return undefined;
  }
}
