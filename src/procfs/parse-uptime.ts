// Pure parser for /proc/uptime: seconds since boot, the clock that stat's start times count from.

export type UptimeParseResult = { ok: true; seconds: number } | { ok: false; failure: string };

// Two decimals: seconds since boot, then idle seconds summed over CPUs (unused here).
const UPTIME = /^\s*(\d+(?:\.\d+)?)\s+\d+(?:\.\d+)?\s*$/;

export function parseUptime(text: string): UptimeParseResult {
  const m = UPTIME.exec(text);
  if (!m) return { ok: false, failure: 'not an uptime line' };
  const seconds = Number(m[1]);
  return Number.isFinite(seconds) ? { ok: true, seconds } : { ok: false, failure: 'number out of range' };
}
