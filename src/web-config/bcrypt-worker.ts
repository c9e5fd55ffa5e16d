// The main-thread side of the bcrypt worker: one comparison at a time (the caller queues), started on first use,
// replaced when it dies, and terminated at shutdown whatever it is in the middle of.

import type { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime/worker-source.js';

export interface CompareRequest {
  id: number;
  password: string;
  hash: string;
}

export type CompareResponse = { id: number; match: boolean } | { id: number; error: string };

interface Pending {
  id: number;
  resolve: (match: boolean) => void;
  reject: (err: Error) => void;
}

export class BcryptWorker {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private closed = false;

  /** Whether `password` matches the bcrypt `hash`; rejects if the worker fails or is closed meanwhile. */
  compare(password: string, hash: string): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('bcrypt worker closed'));
    if (this.pending) return Promise.reject(new Error('a comparison is already running'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    // Held while a comparison is pending, so its answer arrives; idle, the worker keeps nothing alive.
    worker.ref();
    return new Promise<boolean>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      worker.postMessage({ id, password, hash } satisfies CompareRequest);
    });
  }

  /** Stops the worker mid-comparison if need be: a cost-18 hash must not hold up an exit for a minute. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('bcrypt worker closed'));
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    const worker = startWorker('bcrypt-worker');
    worker.on('message', (response: CompareResponse) => {
      const pending = this.pending;
      if (pending?.id !== response.id) return;
      this.pending = undefined;
      worker.unref();
      if ('match' in response) pending.resolve(response.match);
      else pending.reject(new Error(response.error));
    });
    worker.on('error', (err) => this.fail(new Error(`bcrypt worker failed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(new Error(`bcrypt worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(err);
  }
}
