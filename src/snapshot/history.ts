// The last hour of zombies and PIDs in use, in a fixed-size ring of plain numbers, for the page's chart and
// GET /api/v1/history. Memory is bounded by construction, whatever the interval and however long the exporter runs.

import type { Sample } from '../sample/sample.js';

/** The span the chart shows. */
export const HISTORY_WINDOW_MS = 3_600_000;
/** One point a second is finer than a one-hour chart can show; it caps the ring at 3,602 points (~86 KB). */
export const MIN_POINT_SPACING_MS = 1000;
/** Timers fire a few milliseconds early or late; a sample that close to the spacing still gets its point. */
const SPACING_SLACK_MS = 50;

export interface HistoryPoints {
  windowSeconds: number;
  /** The spacing points are recorded at; a larger gap between two points means samples failed or were skipped. */
  spacingMs: number;
  /** Sample times (ms since the epoch), oldest first, and the values at each; null where PIDs in use were unknown. */
  t: number[];
  zombies: number[];
  pidsInUse: (number | null)[];
}

export class SampleHistory {
  readonly capacity: number;
  readonly spacingMs: number;
  private readonly times: Float64Array;
  private readonly zombies: Float64Array;
  private readonly pids: Float64Array;
  /** Slot the next point goes into; the oldest point once the ring is full. */
  private next = 0;
  private size = 0;

  constructor(intervalMs: number) {
    this.spacingMs = Math.max(intervalMs, MIN_POINT_SPACING_MS);
    // Two spare slots: timers fire a millisecond early now and then, so an hour can hold one point more than it should.
    this.capacity = Math.ceil(HISTORY_WINDOW_MS / this.spacingMs) + 2;
    this.times = new Float64Array(this.capacity);
    this.zombies = new Float64Array(this.capacity);
    this.pids = new Float64Array(this.capacity);
  }

  /** Keeps the sample's numbers, unless it comes sooner than the spacing after the last point (sub-second intervals). */
  record(sample: Pick<Sample, 'timestampMs' | 'zombies' | 'pidsInUse'>): void {
    if (this.size > 0) {
      const last = this.times[(this.next + this.capacity - 1) % this.capacity]!;
      if (sample.timestampMs >= last && sample.timestampMs - last < this.spacingMs - SPACING_SLACK_MS) return;
    }
    this.times[this.next] = sample.timestampMs;
    this.zombies[this.next] = sample.zombies;
    // NaN keeps "unknown" in a ring of plain numbers; points() gives it back as null.
    this.pids[this.next] = sample.pidsInUse ?? NaN;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Points within the window that ends at the newest one, oldest first. */
  points(): HistoryPoints {
    const out: HistoryPoints = {
      windowSeconds: HISTORY_WINDOW_MS / 1000,
      spacingMs: this.spacingMs,
      t: [],
      zombies: [],
      pidsInUse: [],
    };
    if (this.size === 0) return out;
    const newest = this.times[(this.next + this.capacity - 1) % this.capacity]!;
    for (let i = 0; i < this.size; i++) {
      const slot = (this.next - this.size + i + this.capacity) % this.capacity;
      const t = this.times[slot]!;
      // A wall clock stepped back leaves points "after" the newest one; they belong to no sensible hour.
      if (t < newest - HISTORY_WINDOW_MS || t > newest) continue;
      out.t.push(t);
      out.zombies.push(this.zombies[slot]!);
      const pids = this.pids[slot]!;
      out.pidsInUse.push(Number.isNaN(pids) ? null : pids);
    }
    return out;
  }
}
