// The single executable's entry. Node 20's single executable ignores sea-config's execArgv, so the node flags that
// dist/main.js's shebang passes are applied here, before anything allocates, where V8 still takes them:
// --no-allocation-site-pretenuring through v8.setFlagsFromString; --max-semi-space-size=1 only through NODE_OPTIONS
// (the systemd unit and the image set it); --single-threaded-gc not at all (refused in NODE_OPTIONS, and V8 crashes
// when it is set at run time). docs/performance.md has what each is worth.

import './v8-flags.js';
import '../../main.js';
