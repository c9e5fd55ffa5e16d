// Imported first by the single executable's entry, so that the flag is set before the exporter's modules load.

import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
