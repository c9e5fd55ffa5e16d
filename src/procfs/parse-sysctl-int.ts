// Pure parser for one-integer sysctl files such as /proc/sys/kernel/pid_max and threads-max.

import type { Parsed } from '../parsed.js';

export function parseSysctlInt(text: string): Parsed<number> {
  const m = /^\s*(\d+)\s*$/.exec(text);
  if (!m) return { ok: false, failure: 'not a single integer' };
  const value = Number(m[1]);
  return Number.isSafeInteger(value) ? { ok: true, value } : { ok: false, failure: 'number out of range' };
}
