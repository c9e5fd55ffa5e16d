// What build this is, for zombie_exporter_build_info and --version: the version from package.json, the git revision
// and branch that scripts/stamp-build.mjs wrote to dist/build-stamp.json when `npm run build` ran ('unknown' when
// it was built outside a git checkout, or runs from the sources under tap). The single executable's bundle swaps
// this module for runtime/sea/build-facts.ts, whose facts were fixed when the bundle was made.

import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT, PACKAGE_VERSION } from '../package-root.js';

export interface BuildFacts {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
}

function readStamp(): Partial<BuildFacts> {
  if (!PACKAGE_ROOT) return {};
  try {
    const stamp = JSON.parse(readFileSync(new URL('dist/build-stamp.json', PACKAGE_ROOT), 'utf8')) as unknown;
    if (typeof stamp !== 'object' || stamp === null) return {};
    const { revision, branch } = stamp as Record<string, unknown>;
    return {
      ...(typeof revision === 'string' && revision !== '' ? { revision } : {}),
      ...(typeof branch === 'string' && branch !== '' ? { branch } : {}),
    };
  } catch {
    return {};
  }
}

const stamp = readStamp();

export const BUILD_FACTS: BuildFacts = Object.freeze({
  version: PACKAGE_VERSION,
  revision: stamp.revision ?? 'unknown',
  branch: stamp.branch ?? 'unknown',
});
