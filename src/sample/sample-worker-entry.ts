// The sample worker thread's entry: owns a SampleTaker (and so the first-seen table) and answers each request with
// one Sample, so a walk of 20,000 processes never blocks the event loop that serves scrapes.

import { parentPort, workerData } from 'node:worker_threads';
import { createProcReader } from '../procfs/reader.js';
import { createSysfsReader } from '../sysfs/reader.js';
import { answer, type SampleRequest, type SampleWorkerData } from './sample-worker.js';
import { createSampleTaker } from './take-sample.js';

const data = workerData as SampleWorkerData;
const taker = createSampleTaker({
  reader: createProcReader(data.procfsPath),
  topParents: data.topParents,
  ...(data.sysfsPath !== undefined && { sysfs: createSysfsReader(data.sysfsPath) }),
  cgroupsTop: data.cgroupsTop ?? 0,
  pidNamespace: data.pidNamespace ?? 'host',
});

parentPort!.on('message', (request: SampleRequest) => {
  parentPort!.postMessage(answer(request, () => taker.take()));
});
