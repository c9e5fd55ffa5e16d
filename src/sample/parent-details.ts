// Reads what the walk does not carry about a zombie parent (owner, cgroup), kept per parent between samples.

import { parsePasswd } from '../procfs/parse-passwd.js';
import { parseStatus } from '../procfs/parse-status.js';
import { parseUptime } from '../procfs/parse-uptime.js';
import type { ProcReader } from '../procfs/reader.js';
import { ParentCgroups } from './parent-cgroups.js';

export interface ParentDetails {
  uid: number | null;
  user: string | null;
  cgroup: string | null;
}

export interface ParentDetailsReader {
  /**
   * The owner and cgroup of the parent that has this pid and start time; null for whatever can't be read. Read
   * again only when the parent is new (a reused pid has a new start time) or its details are a minute old.
   */
  describe(pid: number, startTimeTicks: number, nowMs: number): ParentDetails;
  /** Forgets parents not described since the last call, so the cache holds only the current top parents. */
  endSample(): void;
  /** Seconds since boot, or null when /proc/uptime can't be read. */
  uptimeSeconds(): number | null;
}

/**
 * A parent's uid and cgroup rarely change while it lives (setuid, a move between cgroups), and a minute-old answer
 * is good enough to say who to talk to; re-reading status and cgroup for every top parent in every sample cost more
 * than the whole walk's parsing at 1,000 processes (docs/performance.md).
 */
export const DETAILS_MAX_AGE_MS = 60_000;

interface Cached {
  startTimeTicks: number;
  readMs: number;
  details: ParentDetails;
  used: boolean;
}

/**
 * Details only decorate the top parents: a parent that exits mid-sample, hides behind hidepid or sits in another
 * PID namespace shows as unknown rather than failing or skewing the sample, so every read error reads as null.
 */
export function createParentDetailsReader(reader: ProcReader, shared?: ParentCgroups): ParentDetailsReader {
  // A shared cache is swept by its owner (the collector); one made here is swept with this reader's own.
  const cgroups = shared ?? new ParentCgroups(reader);
  const cache = new Map<number, Cached>();
  let users: { map: ReadonlyMap<number, string>; readMs: number } | undefined;
  const attempt = <T>(read: () => T | null): T | null => {
    try {
      return read();
    } catch {
      return null;
    }
  };
  const userName = (uid: number, nowMs: number): string | null => {
    if (users === undefined || nowMs - users.readMs >= DETAILS_MAX_AGE_MS || nowMs < users.readMs) {
      users = { map: attempt(() => parsePasswd(reader.readPasswd())) ?? new Map<number, string>(), readMs: nowMs };
    }
    return users.map.get(uid) ?? null;
  };
  const read = (pid: number, startTimeTicks: number, nowMs: number): ParentDetails => {
    const uid = attempt(() => {
      const parsed = parseStatus(reader.readText(`${pid}/status`));
      return parsed.ok && parsed.status.uid >= 0 ? parsed.status.uid : null;
    });
    // Shared with the per-cgroup zombie counts, which read every zombie parent's cgroup anyway.
    const cgroup = cgroups.of(pid, nowMs, startTimeTicks);
    return { uid, user: uid === null ? null : userName(uid, nowMs), cgroup };
  };
  return {
    describe(pid, startTimeTicks, nowMs) {
      const hit = cache.get(pid);
      if (hit && hit.startTimeTicks === startTimeTicks && nowMs - hit.readMs < DETAILS_MAX_AGE_MS && nowMs >= hit.readMs) {
        hit.used = true;
        return hit.details;
      }
      const details = read(pid, startTimeTicks, nowMs);
      cache.set(pid, { startTimeTicks, readMs: nowMs, details, used: true });
      return details;
    },
    endSample() {
      for (const [pid, entry] of cache) {
        if (entry.used) entry.used = false;
        else cache.delete(pid);
      }
      if (shared === undefined) cgroups.endSample();
    },
    uptimeSeconds() {
      return attempt(() => {
        const parsed = parseUptime(reader.readText('uptime'));
        return parsed.ok ? parsed.seconds : null;
      });
    },
  };
}
