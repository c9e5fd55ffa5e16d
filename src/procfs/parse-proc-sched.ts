// Pure parser for the one field of /proc/[pid]/sched the exporter uses: se.exec_start, the last time the task ran.

import type { Parsed } from '../parsed.js';

/**
 * `se.exec_start`, in milliseconds of the task's CPU's task clock (rq_clock_task: sched_clock less the time that
 * CPU spent on IRQs and stolen by a hypervisor, where the kernel accounts those). For a zombie, whose last switch-out
 * came as it exited, that is its exit time to within a tick. The file is world-readable (mode 0644; a write resets its statistics) for anyone who can
 * see the pid (kernel/sched/debug.c, proc_sched_show_task), on every kernel built with CONFIG_SCHED_DEBUG, which the
 * major distributions enable, and unconditionally since 6.15.
 */
export function parseExecStart(text: string): Parsed<number> {
  const m = /^se\.exec_start\s*:\s*(\d+)\.(\d{1,6})\s*$/m.exec(text);
  if (!m) return { ok: false, failure: 'no se.exec_start' };
  const ms = Number(`${m[1]}.${m[2]}`);
  return Number.isFinite(ms) ? { ok: true, value: ms } : { ok: false, failure: 'number out of range' };
}
