// The single executable's workers: each worker's bundle is an asset inside the executable (scripts/release/sea.mjs
// puts it there), started as code rather than from a file, since there is no file to start it from.

import { getAsset } from 'node:sea';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { WorkerName } from '../worker-source.js';

const code = new Map<WorkerName, string>();

/** Starts the named worker from its bundled code (read from the executable once per name). */
export function startWorker(name: WorkerName, options?: WorkerOptions): Worker {
  let text = code.get(name);
  if (text === undefined) {
    text = getAsset(`${name}.cjs`, 'utf8');
    code.set(name, text);
  }
  return new Worker(text, { ...options, eval: true });
}
