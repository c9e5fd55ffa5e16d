// The single executable's build facts: fixed when its bundle was made (scripts/release/bundle.mjs defines them),
// since no package.json or dist/build-stamp.json travels with it.

import type { BuildFacts } from '../build-facts.js';

declare const __ZOMBIE_EXPORTER_BUILD__: BuildFacts;

export const BUILD_FACTS: BuildFacts = Object.freeze({ ...__ZOMBIE_EXPORTER_BUILD__ });
