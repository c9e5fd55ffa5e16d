// What each host file that fails leaves out of a sample (none of them fails it), and when a proc root that lists is
// no proc root at all: the decisions the readers below leave to the sample.

import type { HostFiles } from '../procfs/host-files.js';
import type { CpuTimes } from '../procfs/parse-stat.js';
import { sigchldDisposition } from '../procfs/parse-proc-status.js';
import type { InitProcess, SourceError } from './sample.js';

export interface HostFacts {
  /** Every task in the kernel (loadavg's total), each holding a PID; null without loadavg. */
  kernelTasks: number | null;
  pidMax: number | null;
  threadsMax: number | null;
  forksTotal: number | null;
  /** /proc/stat's CPU lines, for dating zombies by the scheduler's clock; empty when unreadable. */
  cpus: CpuTimes[];
  /** Wall-clock time of boot, from /proc/uptime; null when unreadable. */
  bootedAtMs: number | null;
  /** PID 1's SIGCHLD masks; null when its status can't be read (hidden by hidepid, or unreadable). */
  initSigchld: InitProcess['sigchld'];
  /** The sources that failed, in SAMPLE_SOURCES order; none of them fails the sample. */
  errors: SourceError[];
}

/**
 * Never fails the sample: zombies, their parents, process states and PID 1 come from the walk and need none of these
 * files, so a proc root without pid_max (prometheus/procfs's own fixture tree, an old or odd kernel) or with a
 * loadavg that turned to junk still gets them counted. Each file that fails is a source error, and only what needs
 * it is left out: PID usage without loadavg, pid_max or threads-max (pid-frame.ts); forks and exit times without
 * /proc/stat; the SIGCHLD masks without PID 1's status.
 */
export function decideHostFacts(files: HostFiles, nowMs: number): HostFacts {
  const errors: SourceError[] = [];
  if (!files.loadavg.ok) errors.push({ source: 'loadavg', message: files.loadavg.error });
  if (!files.pidMax.ok) errors.push({ source: 'pid_max', message: files.pidMax.error });
  if (!files.threadsMax.ok) errors.push({ source: 'threads_max', message: files.threadsMax.error });
  if (!files.stat.ok) errors.push({ source: 'stat', message: files.stat.error });
  const init = files.initStatus;
  // PID 1 hidden (hidepid=2 as non-root, or absent in a fixture) is a view of the host, not a fault.
  if (!init.ok && init.readFailure !== 'permission' && init.readFailure !== 'vanished') {
    errors.push({ source: 'init', message: init.error });
  }
  return {
    kernelTasks: files.loadavg.ok ? files.loadavg.value.tasks : null,
    pidMax: files.pidMax.ok ? files.pidMax.value : null,
    threadsMax: files.threadsMax.ok ? files.threadsMax.value : null,
    forksTotal: files.stat.ok ? files.stat.value.forks : null,
    cpus: files.stat.ok ? files.stat.value.cpus : [],
    bootedAtMs: files.uptime.ok ? nowMs - files.uptime.value * 1000 : null,
    initSigchld: init.ok ? sigchldDisposition(init.value) : null,
    errors,
  };
}

/**
 * Why a proc root that lists is still no proc root at all, or undefined when it is one: a folder with no pid
 * directory, no loadavg and no pid_max is a typo, /tmp, or the empty mount point of an unmounted /host/proc, and a
 * sample of it would publish "no zombies" where nothing was looked at. A procfs that lacks some files has pids or
 * one of the two, and is sampled.
 */
export function notAProcRoot(
  pidDirectories: number,
  host: Pick<HostFacts, 'kernelTasks' | 'pidMax'>,
): string | undefined {
  if (pidDirectories > 0 || host.kernelTasks !== null || host.pidMax !== null) return undefined;
  return 'no pid directories, no loadavg and no sys/kernel/pid_max: not a proc filesystem';
}
