// A sample worker whose collections block as a read under the proc root that does not return would: while the gate
// file exists, each request first reads a FIFO, which blocks in open() until the test opens it for writing. Otherwise
// it answers as the real one (src/sample/sample-worker-entry.ts) does, with a real Sample of its proc root.

import { existsSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createProcReader } from '../../src/procfs/reader.js';
import { answer, type SampleRequest, type SampleWorkerData } from '../../src/sample/sample-worker.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';

export interface BlockingWorkerData extends SampleWorkerData {
  block: { gate: string; fifo: string };
}

const data = workerData as BlockingWorkerData;
const taker = createSampleTaker({ reader: createProcReader(data.procfsPath), topParents: data.topParents });

parentPort!.on('message', (request: SampleRequest) => {
  if (existsSync(data.block.gate)) readFileSync(data.block.fifo);
  parentPort!.postMessage(answer(request, () => taker.take()));
});
