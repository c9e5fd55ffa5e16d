// Which entries of a proc root are processes: the one rule both walkers (node:fs and native/stat-batch.c) apply.

/** Pids run from 1 to PID_MAX_LIMIT - 1: 2^22 - 1 on 64-bit kernels, the most pid_max can ever allow. */
export const PID_LIMIT = 4_194_304;

/**
 * The pid an entry names: a canonical decimal (no sign, no leading zero) from 1 to PID_LIMIT - 1. -1 for an entry that
 * begins with a digit and is no pid ("00012", "0", "2147483648", "12x"), which the walk counts as not_a_pid; 0 for
 * procfs's own entries (self, sys, net), which are not counted.
 */
export function pidOfName(name: string): number {
  const first = name.charCodeAt(0);
  if (!(first >= 0x30 && first <= 0x39)) return 0;
  if (first === 0x30 || name.length > 7) return -1;
  let pid = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    pid = pid * 10 + (c - 0x30);
  }
  return pid < PID_LIMIT ? pid : -1;
}
