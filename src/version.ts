// The exporter's version: package.json's, so there is one source of truth (fixed into the single executable when
// it is bundled).

import { BUILD_FACTS } from './runtime/build-facts.js';

export const VERSION: string = BUILD_FACTS.version;
