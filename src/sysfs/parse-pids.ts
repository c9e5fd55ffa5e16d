// Pure parsers for the pids controller's files in a cgroup: pids.current, pids.peak, pids.max and pids.events.

import type { Parsed } from '../parsed.js';

// The kernel prints these as decimal int64 (pids.current and pids.peak are atomic64, the event counters too).
// Twenty digits cover 2^64 - 1; anything longer is junk, not a count.
const COUNT = /^\s*(\d{1,20})\s*$/;

/**
 * A count: pids.current (tasks charged to the cgroup and its descendants, zombies included until reaped) or
 * pids.peak (the highest pids.current since the cgroup was created). Counts above 2^53 come back as the nearest
 * double rather than wrapping or throwing: a gauge holds a double anyway.
 */
export function parsePidsCount(text: string): Parsed<number> {
  const m = COUNT.exec(text);
  return m ? { ok: true, value: Number(m[1]) } : { ok: false, failure: 'not a count' };
}

/**
 * pids.max: the most tasks the cgroup and its descendants may hold, or the word `max` for no limit of its own
 * (an ancestor's limit can still apply), which becomes +Inf.
 */
export function parsePidsMax(text: string): Parsed<number> {
  if (/^\s*max\s*$/.test(text)) return { ok: true, value: Infinity };
  return parsePidsCount(text);
}

/**
 * The `max` line of pids.events. On cgroup v1 (and v2 before Linux 6.11, or mounted with pids_localevents) it
 * counts forks that failed in this cgroup because its limit or an ancestor's was hit; on v2 since 6.11 it counts the
 * times this cgroup's own limit was hit, in it or any descendant. Either way it only grows while the cgroup lives.
 * Other keys (newer kernels may add some) are ignored.
 */
export function parsePidsEventsMax(text: string): Parsed<number> {
  for (const line of text.split('\n')) {
    const m = /^max\s+(\S+)\s*$/.exec(line);
    if (m) return parsePidsCount(m[1]!);
  }
  return { ok: false, failure: 'no max line' };
}
