// Pure parser for /proc/uptime: seconds since boot, the clock that stat's start times count from.

import type { Parsed } from '../parsed.js';

// Two decimals: seconds since boot, then idle seconds summed over CPUs (unused here).
const UPTIME = /^\s*(\d+(?:\.\d+)?)\s+\d+(?:\.\d+)?\s*$/;

export function parseUptime(text: string): Parsed<number> {
  const m = UPTIME.exec(text);
  if (!m) return { ok: false, failure: 'not an uptime line' };
  const seconds = Number(m[1]);
  return Number.isFinite(seconds) ? { ok: true, value: seconds } : { ok: false, failure: 'number out of range' };
}
