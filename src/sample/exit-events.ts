// What the proc connector's events mean for a sample: which processes exited since the last one (their stat files are
// the only new ones a sample in event mode reads), when each exited, to the event, and whether anything was lost,
// which only a full walk can make good.

import type { DrainCounts, ProcEvent, ProcEventListener } from '../procfs/proc-events.js';

/** Why a sample walked the whole proc root in event mode. */
export type FullWalkReason = 'start' | 'lost_events' | 'interval';
export const FULL_WALK_REASONS: readonly FullWalkReason[] = ['start', 'lost_events', 'interval'];

/** Event counts since the last sample, by kind, and what was lost. */
export interface EventTotals {
  fork: number;
  exit: number;
  other: number;
  lost: number;
  overflows: number;
}

/**
 * More exited processes than this between two samples and the table is dropped for a full walk: reading every stat
 * file is then cheaper than remembering each exit, and the memory stays bounded in a fork storm.
 */
export const MAX_PENDING_EXITS = 100_000;

export class ExitEvents {
  /** Thread groups with an exit since the last sample, with the wall-clock ms of their latest one. */
  private exits = new Map<number, number>();
  private totals: EventTotals = { fork: 0, exit: 0, other: 0, lost: 0, overflows: 0 };
  /** Something was lost since the last full walk: the next sample must walk everything. */
  private lossPending = false;
  private clockOffsetMs = 0;

  constructor(private readonly listener: ProcEventListener) {}

  private readonly visit = (e: Readonly<ProcEvent>): void => {
    if (e.what !== 'exit') {
      this.totals[e.what]++;
      return;
    }
    this.totals.exit++;
    if (this.lossPending) return;
    // The group's latest exit: its last thread's, which is when the process became a zombie.
    this.exits.set(e.tgid, e.monotonicMs + this.clockOffsetMs);
    if (this.exits.size > MAX_PENDING_EXITS) this.markLost();
  };

  /**
   * Reads what the kernel has queued. Cheap when nothing has (one recv() that fails with EAGAIN), so it runs
   * between samples too, to keep the socket's buffer from overflowing.
   */
  drain(): void {
    // ktime_get_ns() is CLOCK_MONOTONIC, and so is process.hrtime: one offset turns an event's time into wall clock.
    this.clockOffsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
    const counts: DrainCounts = this.listener.drain(this.visit);
    this.totals.lost += counts.lost;
    this.totals.overflows += counts.overflows;
    if (counts.lost > 0 || counts.overflows > 0) this.markLost();
  }

  private markLost(): void {
    this.lossPending = true;
    this.exits.clear();
  }

  /** True when exits were lost since the last full walk. */
  get lost(): boolean {
    return this.lossPending;
  }

  /** When the thread group `tgid` last exited (wall clock, ms), if an event since the last sample said so. */
  exitedAtMs(tgid: number): number | undefined {
    return this.exits.get(tgid);
  }

  /** The thread groups that exited since the last sample. */
  exited(): IterableIterator<number> {
    return this.exits.keys();
  }

  /**
   * A sample has used what was drained: a full walk clears a loss, any sample the exits it has read. Returns the
   * event counts since the last sample.
   */
  consumed(fullWalk: boolean): EventTotals {
    this.exits = new Map();
    if (fullWalk) this.lossPending = false;
    const counts = this.totals;
    this.totals = { fork: 0, exit: 0, other: 0, lost: 0, overflows: 0 };
    return counts;
  }

  close(): void {
    this.listener.close();
  }
}
