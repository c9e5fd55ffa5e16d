// Which host files a sample can't do without, and what the rest become when they fail: the decision the readers
// below leave to the sample.

import type { HostFiles } from '../procfs/host-files.js';
import { handlesSigchld } from '../procfs/parse-proc-status.js';
import { SourceFailure, type SourceError } from './sample.js';

export interface HostFacts {
  /** Tasks in the kernel (loadavg), each holding a PID. */
  pidsInUse: number;
  pidMax: number;
  threadsMax: number | null;
  forksTotal: number | null;
  /** null when PID 1's status can't be read (hidden by hidepid, or unreadable). */
  initSigchldHandled: boolean | null;
  /** The sources that failed without failing the sample. */
  errors: SourceError[];
}

/**
 * Throws SourceFailure without loadavg or pid_max: PIDs in use and the limit they are held against are what the
 * sample is for, and a sample without them would publish a PID usage of nothing. threads-max, forks and PID 1's
 * status only leave their own metrics out.
 */
export function decideHostFacts(files: HostFiles): HostFacts {
  if (!files.loadavg.ok) throw new SourceFailure('loadavg', files.loadavg.error);
  if (!files.pidMax.ok) throw new SourceFailure('pid_max', files.pidMax.error);
  const errors: SourceError[] = [];
  if (!files.threadsMax.ok) errors.push({ source: 'threads_max', message: files.threadsMax.error });
  if (!files.forks.ok) errors.push({ source: 'stat', message: files.forks.error });
  const init = files.initStatus;
  // PID 1 hidden (hidepid=2 as non-root, or absent in a fixture) is a view of the host, not a fault.
  if (!init.ok && init.readFailure !== 'permission' && init.readFailure !== 'vanished')
    errors.push({ source: 'init', message: init.error });
  return {
    pidsInUse: files.loadavg.value.tasks,
    pidMax: files.pidMax.value,
    threadsMax: files.threadsMax.ok ? files.threadsMax.value : null,
    forksTotal: files.forks.ok ? files.forks.value : null,
    initSigchldHandled: init.ok ? handlesSigchld(init.value) : null,
    errors,
  };
}
