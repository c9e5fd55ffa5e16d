// The zombies of the last sample, each with when it exited, when its current parent started holding it and when
// this exporter first saw it, so ages can be reported and reaping and reparenting counted.

import type { ExitTimeSource } from './sample.js';

export interface TrackedZombie {
  /** Start time in ticks since boot; a different one under the same pid is a new zombie (pid reuse). */
  readonly startTimeTicks: number;
  readonly firstSeenMs: number;
  /**
   * When it exited (wall clock, ms): from the kernel's record of its last run where that could be read (sched),
   * else when this exporter first saw it (first_seen), which is later than the truth by up to a sample interval,
   * or by however long it was there before the exporter started.
   */
  readonly exitedAtMs: number;
  readonly exitTimeSource: ExitTimeSource;
  /** Its parent's pid when last seen. */
  ppid: number;
  /**
   * Since when that parent holds it: its exit, or the first sample that saw it under this parent when it was
   * reparented (its old parent died), since the new parent has only had it since then.
   */
  heldSinceMs: number;
  /** The sweep generation that last saw it; older entries are gone, i.e. reaped. */
  generation: number;
}

/**
 * Keyed by pid with the start time inside, so a sample allocates nothing per zombie it already knows. Entries not
 * seen in a sample are dropped by sweep(), so the table never holds more than one sample's zombies.
 */
export class ZombieTracker {
  private readonly seen = new Map<number, TrackedZombie>();
  private generation = 0;
  /** Zombies first seen, since the tracker was created. */
  appearedTotal = 0;
  /** Zombies seen and then gone, since the tracker was created. */
  reapedTotal = 0;
  /** Zombies seen under one parent and later under another (their parent died), since the tracker was created. */
  reparentedTotal = 0;

  /**
   * The zombie with this pid and start time if the tracker knows it, marked seen in this sample (and its parent
   * followed: a new parent holds it from `nowMs`); undefined for a zombie it has not seen, which add() records.
   */
  observe(pid: number, startTimeTicks: number, ppid: number, nowMs: number): TrackedZombie | undefined {
    const entry = this.seen.get(pid);
    if (entry?.startTimeTicks !== startTimeTicks) return undefined;
    entry.generation = this.generation;
    if (entry.ppid !== ppid) {
      entry.ppid = ppid;
      entry.heldSinceMs = nowMs;
      this.reparentedTotal++;
    }
    return entry;
  }

  /**
   * Records a zombie observe() did not know. Its parent is taken to have held it since it exited: a zombie seen for
   * the first time either exited since the last sample or was there before the exporter started, when its history
   * is unknown.
   */
  add(
    pid: number,
    startTimeTicks: number,
    ppid: number,
    nowMs: number,
    exitedAtMs: number,
    source: ExitTimeSource,
  ): TrackedZombie {
    // A zombie already known under this pid with another start time was reaped and the pid reused.
    if (this.seen.has(pid)) this.reapedTotal++;
    const entry: TrackedZombie = {
      startTimeTicks,
      firstSeenMs: nowMs,
      exitedAtMs,
      exitTimeSource: source,
      ppid,
      heldSinceMs: exitedAtMs,
      generation: this.generation,
    };
    this.seen.set(pid, entry);
    this.appearedTotal++;
    return entry;
  }

  /** Ends a sample: forgets zombies it did not see and counts them as reaped. */
  sweep(): void {
    for (const [pid, entry] of this.seen) {
      if (entry.generation !== this.generation) {
        this.seen.delete(pid);
        this.reapedTotal++;
      }
    }
    this.generation++;
  }

  /** The pids of the zombies tracked: event mode reads each again every sample (gone or alive means reaped). */
  pids(): IterableIterator<number> {
    return this.seen.keys();
  }

  /** Zombies currently tracked (after a sweep: the last sample's). */
  get size(): number {
    return this.seen.size;
  }
}
