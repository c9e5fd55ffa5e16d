// The sample worker thread's entry: owns a SampleTaker (and so the first-seen table) and answers each request with
// one Sample, so a walk of 20,000 processes never blocks the event loop that serves scrapes.

import { parentPort, workerData } from 'node:worker_threads';
import { openProcEvents } from '../procfs/proc-events.js';
import { createProcReader } from '../procfs/reader.js';
import { createSysfsReader } from '../sysfs/reader.js';
import { ExitEvents } from './exit-events.js';
import { answer, type SampleRequest, type SampleWorkerData } from './sample-worker.js';
import { createSampleTaker } from './take-sample.js';

const data = workerData as SampleWorkerData;
const events = data.procEvents === undefined ? undefined : openExitEvents(data.procEvents.receiveBufferBytes);
const taker = createSampleTaker({
  reader: createProcReader(data.procfsPath),
  topParents: data.topParents,
  ...(data.sysfsPath !== undefined && { sysfs: createSysfsReader(data.sysfsPath) }),
  cgroupsTop: data.cgroupsTop ?? 0,
  pidNamespace: data.pidNamespace ?? 'host',
  ...(events && { events, fullWalkIntervalMs: data.procEvents!.fullWalkIntervalMs }),
});

/**
 * Between samples the socket is drained every 100 ms, so its buffer holds 100 ms of events rather than a whole
 * interval's; a drain with nothing queued is one recv() that fails with EAGAIN.
 */
if (events) {
  setInterval(() => events.drain(), 100).unref();
  // The subscription ends with the thread (the addon's finalizer closes it too, when the thread's heap is torn down).
  process.once('exit', () => events.close());
}

/** The listener, or undefined (samples then walk, and say so in their collection mode) when the kernel refuses now. */
function openExitEvents(receiveBufferBytes: number): ExitEvents | undefined {
  const opened = openProcEvents(receiveBufferBytes);
  return opened.ok ? new ExitEvents(opened.listener) : undefined;
}

parentPort!.on('message', (request: SampleRequest) => {
  parentPort!.postMessage(answer(request, () => taker.take()));
});
