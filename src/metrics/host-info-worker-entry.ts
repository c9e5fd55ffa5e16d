// The host-info worker thread's entry, one-shot: asks systeminformation for the OS facts and exits, so the memory its
// module costs to load is freed once start-up is over instead of living as long as the exporter.

import { parentPort } from 'node:worker_threads';
import si from 'systeminformation';

// A promise chain, not a top-level await: the single executable runs this worker as a CommonJS bundle.
void si.osInfo().then((info) => {
  parentPort!.postMessage({
    os: info.platform,
    distro: info.distro,
    release: info.release,
    kernel: info.kernel,
    arch: info.arch,
    nodename: info.hostname,
  });
});
