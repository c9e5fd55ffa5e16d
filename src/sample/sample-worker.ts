// The main-thread side of the sample worker: one request at a time, a Sample back, and a fresh worker if one dies.

import { Worker } from 'node:worker_threads';
import { SourceFailure, type Sample, type SampleSource } from './sample.js';

export interface SampleWorkerData {
  procfsPath: string;
  topParents: number;
  /** --path.sysfs; the cgroup walk reads under it. */
  sysfsPath?: string;
  /** --cgroups.top; 0 or absent turns the cgroup walk off. */
  cgroupsTop?: number;
  /** Whose PID namespace the proc root shows, read once at start-up (the PID frame). */
  pidNamespace?: 'host' | 'container' | 'unknown';
}

export interface SampleRequest {
  id: number;
}

export type SampleResponse =
  { id: number; ok: true; sample: Sample } | { id: number; ok: false; source: SampleSource; message: string };

// Under tap the sources run as .ts through a loader the worker inherits; built, they are .js.
const WORKER_URL = new URL(`./sample-worker-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Left alone, V8 grows the walker's young generation to tens of megabytes of semi-spaces on a big host, for garbage
 * that lives one walk; a small one costs no measurable walk CPU (docs/performance.md has the figures). The old
 * generation cap keeps a runaway (millions of zombies) from taking the host's memory: the worker dies, the sample
 * fails, and a fresh worker takes over.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

interface Pending {
  id: number;
  resolve: (sample: Sample) => void;
  reject: (err: Error) => void;
}

/**
 * Takes samples in a worker_thread. The Sampler never overlaps calls, so at most one request is pending. When the
 * worker dies (a bug, or its heap limit), the pending request fails as a sample failure and the next call starts a
 * new one; the new worker starts with an empty first-seen table, so zombie ages restart from then.
 */
export class SampleWorker {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private closed = false;

  constructor(private readonly data: SampleWorkerData) {}

  take(): Promise<Sample> {
    if (this.closed) return Promise.reject(new Error('collector closed'));
    if (this.pending) return Promise.reject(new Error('a collection is already running'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Sample>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      worker.postMessage({ id } satisfies SampleRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.fail(new Error('collector closed'));
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: this.data, resourceLimits: WORKER_LIMITS });
    // The HTTP server keeps the process alive, not the walker.
    worker.unref();
    worker.on('message', (response: SampleResponse) => {
      const pending = this.pending;
      // eslint-disable-next-line @typescript-eslint/prefer-optional-chain -- the response comes from the worker: with nothing pending, one without an id must be ignored too
      if (!pending || pending.id !== response.id) return;
      this.pending = undefined;
      if (response.ok) pending.resolve(response.sample);
      else pending.reject(new SourceFailure(response.source, response.message));
    });
    worker.on('error', (err) => this.fail(new SourceFailure('procfs_root', `collector worker failed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(new SourceFailure('procfs_root', `collector worker exited with code ${code}`));
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
