// Pure parser for the parts of /proc/stat the exporter uses: forks since boot (the `processes` line) and each CPU's
// times (the `cpuN` lines). (/proc/[pid]/stat is parse-proc-stat.ts, as prometheus/procfs names them: stat.go and
// proc_stat.go.)

import type { Parsed } from '../parsed.js';

/** One `cpuN` line, in USER_HZ ticks (1/100 s on every architecture: see USER_HZ in sample/walk-tally.ts). */
export interface CpuTimes {
  /** N of `cpuN`. */
  cpu: number;
  /** (6) Time servicing hardware interrupts. */
  irq: number;
  /** (7) Time servicing softirqs. */
  softirq: number;
  /** (8) Time a hypervisor ran something else while this virtual CPU wanted to run. */
  steal: number;
  /** user through steal together (guest time is already inside user and nice): the CPU's time since boot. */
  total: number;
}

export interface SystemStat {
  /** `processes`: forks (clone() calls, threads included) since boot. */
  forks: number;
  /** Every `cpuN` line, in file order; empty on a kernel or fixture that prints none. */
  cpus: CpuTimes[];
}

const CPU_LINE = /^cpu(\d+)((?: \d+){4,})$/gm;

export function parseSystemStat(text: string): Parsed<SystemStat> {
  const m = /^processes (\d+)$/m.exec(text);
  if (!m) return { ok: false, failure: 'no processes line' };
  const forks = Number(m[1]);
  if (!Number.isSafeInteger(forks)) return { ok: false, failure: 'number out of range' };
  const cpus: CpuTimes[] = [];
  for (const line of text.matchAll(CPU_LINE)) {
    // user nice system idle iowait irq softirq steal guest guest_nice; kernels before 2.6.33 print fewer.
    const f = line[2]!.trim().split(' ').map(Number);
    const at = (i: number): number => f[i] ?? 0;
    cpus.push({
      cpu: Number(line[1]),
      irq: at(5),
      softirq: at(6),
      steal: at(7),
      total: f.slice(0, 8).reduce((a, b) => a + b, 0),
    });
  }
  return { ok: true, value: { forks, cpus } };
}
