// The cgroup of every zombie parent, read from /proc/PID/cgroup once and kept while the parent keeps zombies.

import { parseCgroup, primaryCgroupPath } from '../procfs/parse-cgroup.js';
import type { ProcReader } from '../procfs/reader.js';

/**
 * A parent rarely moves between cgroups while it lives, and a minute-old answer is good enough to say which
 * container holds the zombies; the same bound as the parent details (parent-details.ts), for the same reason.
 */
export const PARENT_CGROUP_MAX_AGE_MS = 60_000;

interface Entry {
  path: string | null;
  /** The parent's start time when the caller knew it; a different one means the pid was reused. */
  startTimeTicks: number | undefined;
  readMs: number;
  used: boolean;
}

/**
 * Keyed by pid: the walk does not keep a start time for every parent, so only callers that read the parent's stat
 * (the top parents) can tell a reused pid; for the rest, a pid reused within the minute by another process that
 * also holds zombies is rare enough to accept a minute of the old parent's cgroup.
 */
export class ParentCgroups {
  private readonly cache = new Map<number, Entry>();

  constructor(private readonly reader: ProcReader) {}

  /** The cgroup path of the parent with this pid (see primaryCgroupPath), or null when it can't be read. */
  of(pid: number, nowMs: number, startTimeTicks?: number): string | null {
    const hit = this.cache.get(pid);
    const reused = startTimeTicks !== undefined && hit?.startTimeTicks !== undefined && hit.startTimeTicks !== startTimeTicks;
    if (hit && !reused && nowMs - hit.readMs < PARENT_CGROUP_MAX_AGE_MS && nowMs >= hit.readMs) {
      hit.used = true;
      hit.startTimeTicks ??= startTimeTicks;
      return hit.path;
    }
    const path = this.read(pid);
    this.cache.set(pid, { path, startTimeTicks, readMs: nowMs, used: true });
    return path;
  }

  /** Forgets parents not asked for since the last call, so the cache holds only the current zombie parents. */
  endSample(): void {
    for (const [pid, entry] of this.cache) {
      if (entry.used) entry.used = false;
      else this.cache.delete(pid);
    }
  }

  get size(): number {
    return this.cache.size;
  }

  private read(pid: number): string | null {
    // pid 0: the parent is outside the proc root's PID namespace and has no directory to read.
    if (pid <= 0) return null;
    try {
      const parsed = parseCgroup(this.reader.readText(`${pid}/cgroup`));
      return parsed.ok ? primaryCgroupPath(parsed.entries) : null;
    } catch {
      // Vanished, hidden by hidepid, or unreadable: the parent counts as in an unknown cgroup, never a failed sample.
      return null;
    }
  }
}
