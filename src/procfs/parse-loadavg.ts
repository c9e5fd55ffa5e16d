// Pure parser for /proc/loadavg: the fourth field's total is every task the kernel holds, each with a PID.

import type { Parsed } from '../parsed.js';

export interface LoadAvg {
  /** Tasks currently runnable (before the '/'). */
  runnable: number;
  /**
   * Every scheduling entity in the kernel (after the '/'): processes, threads, kernel threads and unreaped zombies,
   * across all PID namespaces. Each holds a PID, so this is PIDs in use, at the cost of one small read.
   */
  tasks: number;
  /** The most recently allocated PID. */
  lastPid: number;
}

const LOADAVG = /^\s*[\d.]+\s+[\d.]+\s+[\d.]+\s+(\d+)\/(\d+)\s+(\d+)\s*$/;

export function parseLoadAvg(text: string): Parsed<LoadAvg> {
  const m = LOADAVG.exec(text);
  if (!m) return { ok: false, failure: 'not a loadavg line' };
  const [runnable, tasks, lastPid] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (![runnable, tasks, lastPid].every(Number.isSafeInteger)) return { ok: false, failure: 'number out of range' };
  return { ok: true, value: { runnable, tasks, lastPid } };
}
