// The first-seen table: when each zombie was first sampled, so its age can be reported and its reaping counted.

interface Seen {
  /** Start time in ticks since boot; a different one under the same pid is a new zombie (pid reuse). */
  startTimeTicks: number;
  firstSeenMs: number;
  /** The sweep generation that last saw this zombie; older entries are gone, i.e. reaped. */
  generation: number;
}

/**
 * Keyed by pid with the start time inside, so a sample allocates nothing per zombie it already knows. Entries
 * not seen in a sample are dropped by sweep(), so the table never holds more than one sample's zombies.
 */
export class ZombieTracker {
  private readonly seen = new Map<number, Seen>();
  private generation = 0;
  /** Zombies first seen, since the tracker was created. */
  appearedTotal = 0;
  /** Zombies seen and then gone, since the tracker was created. */
  reapedTotal = 0;

  /** Records a zombie seen in the current sample and returns when it was first seen. */
  observe(pid: number, startTimeTicks: number, nowMs: number): number {
    const entry = this.seen.get(pid);
    if (entry?.startTimeTicks === startTimeTicks) {
      entry.generation = this.generation;
      return entry.firstSeenMs;
    }
    if (entry !== undefined) this.reapedTotal++; // the old zombie was reaped and its pid reused by a new one
    this.seen.set(pid, { startTimeTicks, firstSeenMs: nowMs, generation: this.generation });
    this.appearedTotal++;
    return nowMs;
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

  /** Zombies currently tracked (after a sweep: the last sample's). */
  get size(): number {
    return this.seen.size;
  }
}
