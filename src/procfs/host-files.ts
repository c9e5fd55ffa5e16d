// Reads the small host-wide files each sample needs (loadavg, pid_max, threads-max, /proc/stat, PID 1's status),
// each to its value or a one-line reason; which of them a sample can't do without is decided by the sample.

import { errnoText } from '../errors.js';
import type { Parsed } from '../parsed.js';
import { parseLoadAvg, type LoadAvg } from './parse-loadavg.js';
import { parseStatus, type ProcStatus } from './parse-proc-status.js';
import { parseForks } from './parse-stat.js';
import { parseSysctlInt } from './parse-sysctl-int.js';
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
  /** The `processes` line of /proc/stat: forks since boot. */
  forks: FileRead<number>;
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
    forks: readFile(reader, 'stat', parseForks),
    initStatus: readFile(reader, '1/status', parseStatus),
  };
}
