// Reads the small host-wide files each sample needs (loadavg, pid_max, threads-max, /proc/stat, /proc/uptime, PID 1's
// status) and the reading thread's own scheduler clock, each to its value or a one-line reason; which of them a
// sample can't do without is decided by the sample.

import { errnoText } from '../errors.js';
import type { Parsed } from '../parsed.js';
import { parseLoadAvg, type LoadAvg } from './parse-loadavg.js';
import { parseExecStart } from './parse-proc-sched.js';
import { emptyStatFields, parseProcessor, parseStatInto } from './parse-proc-stat.js';
import { parseStatus, type ProcStatus } from './parse-proc-status.js';
import { parseSystemStat, type SystemStat } from './parse-stat.js';
import { parseSysctlInt } from './parse-sysctl-int.js';
import { parseUptime } from './parse-uptime.js';
import { skipReasonFor, type ProcReader, type SkipReason } from './reader.js';

/** One file's value, or why it has none: `read` failed (with the reason class of the errno) or `parse` did. */
export type FileRead<T> = { ok: true; value: T } | { ok: false; error: string; readFailure: SkipReason | null };

export interface HostFiles {
  /** /proc/loadavg: every task the kernel holds. */
  loadavg: FileRead<LoadAvg>;
  /** /proc/sys/kernel/pid_max. */
  pidMax: FileRead<number>;
  /** /proc/sys/kernel/threads-max. */
  threadsMax: FileRead<number>;
  /** /proc/stat: forks since boot and each CPU's times. */
  stat: FileRead<SystemStat>;
  /** /proc/uptime: seconds since boot. */
  uptime: FileRead<number>;
  /** /proc/1/status: PID 1's signal masks. */
  initStatus: FileRead<ProcStatus>;
}

/** Reads and parses one file; messages name the file relative to the root, never the root (they reach /healthz). */
export function readFile<T>(reader: ProcReader, rel: string, parse: (text: string) => Parsed<T>): FileRead<T> {
  let text: string;
  try {
    text = reader.readText(rel);
  } catch (err) {
    return { ok: false, error: `read ${rel}: ${errnoText(err)}`, readFailure: skipReasonFor(err) };
  }
  const parsed = parse(text);
  return parsed.ok ? parsed : { ok: false, error: `parse ${rel}: ${parsed.failure}`, readFailure: null };
}

export function readHostFiles(reader: ProcReader): HostFiles {
  return {
    loadavg: readFile(reader, 'loadavg', parseLoadAvg),
    pidMax: readFile(reader, 'sys/kernel/pid_max', parseSysctlInt),
    threadsMax: readFile(reader, 'sys/kernel/threads-max', parseSysctlInt),
    stat: readFile(reader, 'stat', parseSystemStat),
    uptime: readFile(reader, 'uptime', parseUptime),
    initStatus: readFile(reader, '1/status', parseStatus),
  };
}

/** The calling thread's own scheduler clock: its se.exec_start and CPU, with CLOCK_MONOTONIC and the wall clock. */
export interface ThreadClock {
  execStartMs: number;
  cpu: number;
  monotonicMs: number;
  wallMs: number;
}

/**
 * Reads /proc/thread-self/sched and /proc/thread-self/stat back to back on the calling thread, between two readings
 * of the monotonic clock: its exec_start is "now" on its CPU's task clock, to within a tick. Undefined when either
 * file can't be read or parsed (a kernel without the sched file, a proc root without thread-self).
 */
export function readThreadClock(reader: ProcReader): ThreadClock | undefined {
  try {
    const before = process.hrtime.bigint();
    const sched = parseExecStart(reader.readText('thread-self/sched'));
    const stat = Buffer.from(reader.readText('thread-self/stat'));
    const after = process.hrtime.bigint();
    const wallMs = Date.now();
    const fields = emptyStatFields();
    if (!sched.ok || parseStatInto(stat, 0, stat.length, fields) !== null) return undefined;
    const cpu = parseProcessor(stat, fields);
    if (cpu < 0) return undefined;
    // process.hrtime is CLOCK_MONOTONIC, the clock sched_clock runs beside.
    return { execStartMs: sched.value, cpu, monotonicMs: Number((before + after) / 2n) / 1e6, wallMs };
  } catch {
    return undefined;
  }
}
