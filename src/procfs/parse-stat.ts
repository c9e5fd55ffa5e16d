// Pure parser for the `processes` line of /proc/stat: forks (clone() calls, threads included) since boot.
// (/proc/[pid]/stat is parse-proc-stat.ts, as prometheus/procfs names them: stat.go and proc_stat.go.)

import type { Parsed } from '../parsed.js';

export function parseForks(text: string): Parsed<number> {
  const m = /^processes (\d+)$/m.exec(text);
  if (!m) return { ok: false, failure: 'no processes line' };
  const forks = Number(m[1]);
  return Number.isSafeInteger(forks) ? { ok: true, value: forks } : { ok: false, failure: 'number out of range' };
}
