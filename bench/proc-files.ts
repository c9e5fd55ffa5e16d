// What the benchmark reads about other processes from /proc: CPU time, RSS and tasks in use.

import { readdirSync, readFileSync } from 'node:fs';
import { parseStat } from '../src/procfs/parse-proc-stat.js';
import { parseLoadAvg } from '../src/procfs/parse-loadavg.js';
import { parseSysctlInt } from '../src/procfs/parse-sysctl-int.js';

/** USER_HZ: see src/sample/walk-tally.ts. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a live process has used. */
export function cpuSeconds(pid: number): number {
  const r = parseStat(readFileSync(`/proc/${pid}/stat`));
  if (!r.ok) throw new Error(`/proc/${pid}/stat: ${r.failure}`);
  return (r.value.utimeTicks + r.value.stimeTicks) / TICKS_PER_SECOND;
}

/**
 * CPU seconds the live threads of a process have used, to the nanosecond: the first field of each
 * /proc/PID/task/TID/schedstat. For short windows of an idle process, where stat's 10 ms ticks round to nothing;
 * a thread that exits within the window takes its time with it.
 */
export function cpuSecondsPrecise(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return ns / 1e9;
}

/** Resident set size in bytes (VmRSS), threads included. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status: no VmRSS`);
  return Number(m[1]) * 1024;
}

export function tasksInUse(): number {
  const r = parseLoadAvg(readFileSync('/proc/loadavg', 'utf8'));
  if (!r.ok) throw new Error(`/proc/loadavg: ${r.failure}`);
  return r.value.tasks;
}

/** The limit a fork meets first: min(pid_max, threads-max). */
export function pidLimit(): number {
  const read = (f: string) => {
    const r = parseSysctlInt(readFileSync(`/proc/sys/kernel/${f}`, 'utf8'));
    if (!r.ok) throw new Error(`${f}: ${r.failure}`);
    return r.value;
  };
  return Math.min(read('pid_max'), read('threads-max'));
}
