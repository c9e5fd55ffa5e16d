// Pure parser for one-integer sysctl files such as /proc/sys/kernel/pid_max and threads-max.

export type SysctlIntParseResult = { ok: true; value: number } | { ok: false; failure: string };

export function parseSysctlInt(text: string): SysctlIntParseResult {
  const m = /^\s*(\d+)\s*$/.exec(text);
  if (!m) return { ok: false, failure: 'not a single integer' };
  const value = Number(m[1]);
  return Number.isSafeInteger(value) ? { ok: true, value } : { ok: false, failure: 'number out of range' };
}
