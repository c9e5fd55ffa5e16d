// Worker-thread entry: owns a Collector (and so the first-seen table) and answers each request with one Sample, so a
// walk of 20,000 processes never blocks the event loop that serves scrapes.

import { parentPort, workerData } from 'node:worker_threads';
import { SourceFailure } from '../procfs/host-facts.js';
import { createProcReader } from '../procfs/reader.js';
import { createSysfsReader } from '../sysfs/reader.js';
import { createCollector } from './collector.js';
import type { CollectRequest, CollectResponse, CollectorWorkerData } from './worker-collector.js';

const data = workerData as CollectorWorkerData;
const collector = createCollector({
  reader: createProcReader(data.procfsPath),
  topParents: data.topParents,
  ...(data.sysfsPath !== undefined && { sysfs: createSysfsReader(data.sysfsPath) }),
  cgroupsTop: data.cgroupsTop ?? 0,
});

parentPort!.on('message', (request: CollectRequest) => {
  let response: CollectResponse;
  try {
    response = { id: request.id, ok: true, sample: collector.collect() };
  } catch (err) {
    const source = err instanceof SourceFailure ? err.source : 'procfs_root';
    response = { id: request.id, ok: false, source, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(response);
});
