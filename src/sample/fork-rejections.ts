// Remembers each cgroup's pids.events `max` count between walks, so the exporter can say which cgroups refused
// forks since it started, and when each last did.

import type { CgroupReading } from '../sysfs/cgroup-walk.js';

interface Seen {
  /** The count when the exporter first saw the cgroup; 0 for a cgroup created since then. */
  baseline: number;
  last: number;
  /** When the count last grew, or null if it has not grown since the baseline. */
  lastRejectMs: number | null;
  seenInWalk: number;
}

export interface Rejections {
  /** Forks refused since the exporter started, or since the cgroup appeared if that was later. */
  sinceStart: number;
  lastRejectMs: number | null;
}

/**
 * The kernel's counter covers the cgroup's whole life, including before the exporter started; counting from the
 * first sight instead is what makes "refused forks since start" a set that can be bounded and alerted on without a
 * false alarm for a limit hit last week. A cgroup first seen after a complete walk is new, so all its refusals count.
 */
export class ForkRejections {
  private readonly seen = new Map<string, Seen>();
  private walks = 0;
  private lastWalkComplete = false;

  constructor(
    /** At most this many cgroups are remembered across an incomplete walk; cgroups it did not reach beyond that are forgotten. */
    private readonly maxRemembered: number,
  ) {}

  /** Records one walk's readings; returns the rejections of every cgroup whose events could be read, by path. */
  observe(readings: readonly CgroupReading[], complete: boolean, nowMs: number): Map<string, Rejections> {
    const walk = ++this.walks;
    const out = new Map<string, Rejections>();
    for (const r of readings) {
      if (r.rejected === null) continue;
      let s = this.seen.get(r.path);
      if (s === undefined) {
        const baseline = walk > 1 && this.lastWalkComplete ? 0 : r.rejected;
        s = { baseline, last: r.rejected, lastRejectMs: r.rejected > baseline ? nowMs : null, seenInWalk: walk };
        this.seen.set(r.path, s);
      } else if (r.rejected < s.last) {
        // A counter never goes down: the cgroup was removed and made again between two walks.
        s.baseline = 0;
        s.last = r.rejected;
        s.lastRejectMs = r.rejected > 0 ? nowMs : null;
      } else if (r.rejected > s.last) {
        s.last = r.rejected;
        s.lastRejectMs = nowMs;
      }
      s.seenInWalk = walk;
      out.set(r.path, { sinceStart: s.last - s.baseline, lastRejectMs: s.lastRejectMs });
    }
    // A complete walk saw every cgroup there is: the rest were removed. After an incomplete one, unseen cgroups may
    // still exist, so they are kept, up to a bound.
    const unseenLimit = complete ? 0 : Math.max(0, this.maxRemembered - out.size);
    let unseen = 0;
    for (const [path, s] of this.seen) {
      if (s.seenInWalk === walk) continue;
      if (++unseen > unseenLimit) this.seen.delete(path);
    }
    this.lastWalkComplete = complete;
    return out;
  }

  /** Cgroups remembered (for tests and memory bounds). */
  get size(): number {
    return this.seen.size;
  }
}
