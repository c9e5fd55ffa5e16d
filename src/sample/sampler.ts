// Takes a sample every interval, never two at once, and publishes the latest good one; knows nothing of HTTP.

import { EventEmitter } from 'node:events';
import { SourceFailure, type Sample, type SampleSource } from './sample.js';

export interface SampleFailure {
  source: SampleSource;
  message: string;
  atMs: number;
}

export interface SamplerOptions {
  /** Takes one sample; may run elsewhere (a worker) and so returns a promise. */
  take: () => Sample | Promise<Sample>;
  intervalMs: number;
  now?: () => number;
}

export interface SamplerEvents {
  sample: [Sample];
  failure: [SampleFailure];
}

/**
 * Emits 'sample' with each published sample and 'failure' when one fails. The next collection is scheduled only
 * after the current one settles, at the interval from the start of the last one, so slow walks never pile up.
 */
export class Sampler extends EventEmitter<SamplerEvents> {
  private readonly take: () => Sample | Promise<Sample>;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** The latest published sample; undefined until the first one succeeds. */
  latest: Sample | undefined;
  /** The latest failure, cleared by the next published sample. */
  lastFailure: SampleFailure | undefined;

  constructor(options: SamplerOptions) {
    super();
    this.take = options.take;
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? Date.now;
  }

  /** Takes the first sample at once, then one per interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  /** Stops scheduling and waits for a collection in flight to settle; that one is not published (nothing is listening). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    const startedMs = this.now();
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const delay = Math.max(0, startedMs + this.intervalMs - this.now());
      this.timer = setTimeout(() => this.tick(), delay);
      // The HTTP server keeps the process alive; a pending sample must not.
      this.timer.unref();
    });
  }

  private async runOnce(): Promise<void> {
    let sample: Sample;
    try {
      sample = await this.take();
    } catch (err) {
      if (this.stopped) return;
      const failure: SampleFailure =
        err instanceof SourceFailure
          ? { source: err.source, message: err.message, atMs: this.now() }
          : { source: 'procfs_root', message: err instanceof Error ? err.message : String(err), atMs: this.now() };
      this.lastFailure = failure;
      this.emit('failure', failure);
      return;
    }
    // Shutting down: a late sample would only log after "shutting down" and be served to nobody.
    if (this.stopped) return;
    this.latest = sample;
    this.lastFailure = undefined;
    this.emit('sample', sample);
  }
}
