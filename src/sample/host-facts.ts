// Which host files a sample can't do without, and what the rest become when they fail: the decision the readers
// below leave to the sample.

import type { HostFiles } from '../procfs/host-files.js';
import type { CpuTimes } from '../procfs/parse-stat.js';
import { sigchldDisposition } from '../procfs/parse-proc-status.js';
import { SourceFailure, type InitProcess, type SourceError } from './sample.js';

export interface HostFacts {
  /** Every task in the kernel (loadavg's total), each holding a PID. */
  kernelTasks: number;
  pidMax: number;
  threadsMax: number | null;
  forksTotal: number | null;
  /** /proc/stat's CPU lines, for dating zombies by the scheduler's clock; empty when unreadable. */
  cpus: CpuTimes[];
  /** Wall-clock time of boot, from /proc/uptime; null when unreadable. */
  bootedAtMs: number | null;
  /** PID 1's SIGCHLD masks; null when its status can't be read (hidden by hidepid, or unreadable). */
  initSigchld: InitProcess['sigchld'];
  /** The sources that failed without failing the sample. */
  errors: SourceError[];
}

/**
 * Throws SourceFailure without loadavg or pid_max: PIDs in use and the limit they are held against are what the
 * sample is for, and a sample without them would publish a PID usage of nothing. threads-max, /proc/stat, uptime and
 * PID 1's status only leave their own metrics out.
 */
export function decideHostFacts(files: HostFiles, nowMs: number): HostFacts {
  if (!files.loadavg.ok) throw new SourceFailure('loadavg', files.loadavg.error);
  if (!files.pidMax.ok) throw new SourceFailure('pid_max', files.pidMax.error);
  const errors: SourceError[] = [];
  if (!files.threadsMax.ok) errors.push({ source: 'threads_max', message: files.threadsMax.error });
  if (!files.stat.ok) errors.push({ source: 'stat', message: files.stat.error });
  const init = files.initStatus;
  // PID 1 hidden (hidepid=2 as non-root, or absent in a fixture) is a view of the host, not a fault.
  if (!init.ok && init.readFailure !== 'permission' && init.readFailure !== 'vanished') {
    errors.push({ source: 'init', message: init.error });
  }
  return {
    kernelTasks: files.loadavg.value.tasks,
    pidMax: files.pidMax.value,
    threadsMax: files.threadsMax.ok ? files.threadsMax.value : null,
    forksTotal: files.stat.ok ? files.stat.value.forks : null,
    cpus: files.stat.ok ? files.stat.value.cpus : [],
    bootedAtMs: files.uptime.ok ? nowMs - files.uptime.value * 1000 : null,
    initSigchld: init.ok ? sigchldDisposition(init.value) : null,
    errors,
  };
}
