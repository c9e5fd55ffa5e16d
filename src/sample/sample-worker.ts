// The main-thread side of the sample worker: one request at a time, a Sample back within a deadline, and a fresh
// worker if one dies or is stuck.

import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime/worker-source.js';
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
  /** Event mode (sample-mode.ts decided it): the proc connector's receive buffer and the full walks' cadence. */
  procEvents?: { receiveBufferBytes: number; fullWalkIntervalMs: number };
}

export interface SampleRequest {
  id: number;
}

export type SampleResponse =
  { id: number; ok: true; sample: Sample } | { id: number; ok: false; source: SampleSource; message: string };

/** The worker's answer to one request: the Sample, or the source that failed it. */
export function answer(request: SampleRequest, take: () => Sample): SampleResponse {
  try {
    return { id: request.id, ok: true, sample: take() };
  } catch (err) {
    const source = err instanceof SourceFailure ? err.source : 'procfs_root';
    return { id: request.id, ok: false, source, message: err instanceof Error ? err.message : String(err) };
  }
}

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
  timer: NodeJS.Timeout;
}

export interface SampleWorkerOptions {
  /** How long a collection may take before its worker is given up (collectionDeadlineMs). */
  deadlineMs: number;
  /** The worker's entry; tests put one that blocks here. */
  workerUrl?: URL;
}

/**
 * A collection's deadline: three intervals, so a slow walk on a huge host is never cut short, but at least 10 s (a
 * sub-second interval) and at most 2 minutes (a long one), so a blocked read is noticed while someone is looking.
 */
export function collectionDeadlineMs(intervalMs: number): number {
  return Math.min(120_000, Math.max(10_000, 3 * intervalMs));
}

/**
 * Takes samples in a worker_thread. The Sampler never overlaps calls, so at most one request is pending. When the
 * worker dies (a bug, or its heap limit), the pending request fails as a sample failure and the next call starts a
 * new one; the new worker starts with an empty first-seen table (zombie ages come from the kernel regardless).
 * When a collection passes its deadline, the worker is stuck in a read that does not return (files are opened
 * non-blocking, but a kernel read can still wait, as on a task whose memory map lock is held): it is told to stop,
 * left to end when that read returns, and the next call starts a new one.
 */
export class SampleWorker {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private closed = false;
  /** Workers given up at a deadline whose thread has not ended yet. */
  private readonly stuck = new Set<Worker>();
  private readonly deadlineMs: number;
  private readonly workerUrl: URL | undefined;

  constructor(
    private readonly data: SampleWorkerData,
    options: SampleWorkerOptions,
  ) {
    this.deadlineMs = options.deadlineMs;
    this.workerUrl = options.workerUrl;
  }

  /** Threads of given-up workers still blocked; process.exit() would wait on them for good (see main.ts). */
  get stuckThreads(): number {
    return this.stuck.size;
  }

  /** One collection; `deadlineMs` overrides the worker's deadline for this one. */
  take(deadlineMs = this.deadlineMs): Promise<Sample> {
    if (this.closed) return Promise.reject(new Error('collector closed'));
    if (this.pending) return Promise.reject(new Error('a collection is already running'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Sample>((resolve, reject) => {
      const timer = setTimeout(() => this.giveUp(worker, id, deadlineMs), deadlineMs);
      timer.unref();
      this.pending = { id, resolve, reject, timer };
      worker.postMessage({ id } satisfies SampleRequest);
    });
  }

  /**
   * Stops the worker and fails a pending collection at once. Resolves true when every worker thread has ended within
   * `waitMs`, false when one is still blocked in a read (it can't be stopped until the read returns).
   */
  async close(waitMs = 1000): Promise<boolean> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('collector closed'));
    if (worker) this.stopThread(worker);
    if (this.stuck.size === 0) return true;
    const ended = Promise.all([...this.stuck].map((w) => once(w, 'exit'))).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    try {
      return await Promise.race([ended, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private giveUp(worker: Worker, id: number, deadlineMs: number): void {
    if (this.pending?.id !== id) return;
    if (this.worker === worker) this.worker = undefined;
    this.stopThread(worker);
    const seconds = deadlineMs / 1000;
    this.fail(
      new SourceFailure(
        'deadline',
        `no sample within ${seconds}s: a read under the proc or sys root is blocked; the collector worker was replaced`,
      ),
    );
  }

  /** Asks a worker to stop; it counts as stuck until its thread has ended. */
  private stopThread(worker: Worker): void {
    this.stuck.add(worker);
    worker.once('exit', () => this.stuck.delete(worker));
    void worker.terminate();
  }

  private start(): Worker {
    const options = { workerData: this.data, resourceLimits: WORKER_LIMITS };
    const worker = this.workerUrl ? new Worker(this.workerUrl, options) : startWorker('sample-worker', options);
    // The HTTP server keeps the process alive, not the walker.
    worker.unref();
    worker.on('message', (response: SampleResponse) => {
      if (this.worker !== worker) return;
      const pending = this.pending;
      // eslint-disable-next-line @typescript-eslint/prefer-optional-chain -- the response comes from the worker: with nothing pending, one without an id must be ignored too
      if (!pending || pending.id !== response.id) return;
      this.pending = undefined;
      clearTimeout(pending.timer);
      if (response.ok) pending.resolve(response.sample);
      else pending.reject(new SourceFailure(response.source, response.message));
    });
    // A worker given up or closed is no longer this one's: what it does as it ends concerns nobody.
    worker.on('error', (err) => {
      if (this.worker === worker)
        this.fail(new SourceFailure('procfs_root', `collector worker failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.fail(new SourceFailure('procfs_root', `collector worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    pending.reject(err);
  }
}
