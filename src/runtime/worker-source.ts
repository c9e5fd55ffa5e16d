// Where each worker thread's code comes from. From the sources (under tap) and from dist/, a worker is a module
// file beside the one that starts it; the single executable's bundle swaps this module for
// runtime/sea/worker-source.ts, which starts the same workers from code carried inside the executable.

import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The worker entries, by the folder (under src/ or dist/) and file name their module has. */
export const WORKER_ENTRIES = {
  'sample-worker': 'sample/sample-worker-entry',
  'host-info-worker': 'metrics/host-info-worker-entry',
  'bcrypt-worker': 'web-config/bcrypt-worker-entry',
} as const;

export type WorkerName = keyof typeof WORKER_ENTRIES;

// Under tap the sources run as .ts through a loader the worker inherits; built, they are .js.
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The module file a worker runs. */
export function workerUrl(name: WorkerName): URL {
  return new URL(`../${WORKER_ENTRIES[name]}${EXTENSION}`, import.meta.url);
}

/** Starts the named worker. */
export function startWorker(name: WorkerName, options?: WorkerOptions): Worker {
  return new Worker(workerUrl(name), options);
}
