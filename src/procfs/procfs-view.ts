// What the proc root lets the exporter see: its hidepid mount option, and whether it shows the host's PID namespace.

import { errnoCode } from '../errors.js';
import { hidepidOf, mountAt, parseMountInfo, type Hidepid } from './parse-mountinfo.js';
import { isKernelThreadStat, parsePidNsLink, PROC_PID_INIT_INO } from './parse-pid-namespace.js';
import type { ProcReader } from './reader.js';

export type PidNamespaceView = 'host' | 'container' | 'unknown';

export interface ProcfsView {
  /** hidepid of the mount at the proc root; `unknown` when mountinfo has no proc mount there (a fixture tree). */
  hidepid: Hidepid | 'unknown';
  /** Whether the proc root shows the initial (host) PID namespace or another one (a container's). */
  pidNamespace: PidNamespaceView;
  /** How pidNamespace was decided, for the log. */
  evidence: 'ns_link' | 'kernel_thread' | 'no_kernel_thread' | 'none';
  /** Whether PID 1's stat can be read (hidepid hides it from unprivileged users). */
  pid1Visible: boolean;
  /**
   * Whether the exporter itself runs in the initial PID namespace (its own ns link is always readable); null when
   * the proc root can't show it. On recent kernels (6.18 measured) /proc/sys/kernel/pid_max answers for the
   * reader's namespace whatever proc root it is read through, so outside the host's the pid_max read is not the host's.
   */
  selfInHostPidNamespace: boolean | null;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Read once at start-up. The namespace link of PID 1 is the direct answer but needs ptrace access to PID 1 (root
 * or CAP_SYS_PTRACE); unprivileged, a kernel thread in the root answers instead, as only the initial PID namespace
 * holds kernel threads, and kthreadd is always PID 2. With hidepid off and no PID 2 there, it is another namespace.
 */
export function readProcfsView(reader: ProcReader): ProcfsView {
  const mounts = attempt(() => parseMountInfo(reader.readText('self/mountinfo')));
  const mount = mounts && attempt(() => mountAt(mounts, reader.realRoot()));
  const hidepid: ProcfsView['hidepid'] = mount?.fsType === 'proc' ? (hidepidOf(mount) ?? 'unknown') : 'unknown';
  const pid1Visible = attempt(() => reader.readText('1/stat')) !== undefined;
  const selfIno = attempt(() => parsePidNsLink(reader.readLink('self/ns/pid')));
  const selfInHostPidNamespace = selfIno === undefined || selfIno === null ? null : selfIno === PROC_PID_INIT_INO;
  const view = { hidepid, pid1Visible, selfInHostPidNamespace };

  const initIno = attempt(() => parsePidNsLink(reader.readLink('1/ns/pid')));
  if (initIno !== undefined && initIno !== null) {
    return { ...view, pidNamespace: initIno === PROC_PID_INIT_INO ? 'host' : 'container', evidence: 'ns_link' };
  }
  let kthread: string | undefined;
  try {
    kthread = reader.readText('2/stat');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && hidepid === 'off' && pid1Visible)
      return { ...view, pidNamespace: 'container', evidence: 'no_kernel_thread' };
    return { ...view, pidNamespace: 'unknown', evidence: 'none' };
  }
  if (isKernelThreadStat(kthread)) return { ...view, pidNamespace: 'host', evidence: 'kernel_thread' };
  // PID 2 is an ordinary process: a namespace where pids are handed out from 1 again.
  return {
    ...view,
    pidNamespace: hidepid === 'off' ? 'container' : 'unknown',
    evidence: hidepid === 'off' ? 'no_kernel_thread' : 'none',
  };
}

/** The warning to log once at start-up when the proc root does not show the whole host, or undefined. */
export function procfsViewWarning(view: ProcfsView, procfsPath: string): string | undefined {
  const fix =
    "run in the host's PID namespace (hostPID: true, --pid=host) or read the host's /proc (--path.procfs=/host/proc)";
  if (view.pidNamespace === 'container') {
    return `${procfsPath} shows a container's PID namespace, not the host's: zombies, parents and processes are that namespace's only; ${fix}`;
  }
  if (view.pidNamespace === 'unknown')
    return `can't tell whether ${procfsPath} shows the host's PID namespace (no access to PID 1's namespace link, no kernel thread visible)`;
  if (!view.pid1Visible)
    return `${procfsPath} is mounted with hidepid=${view.hidepid} and hides other users' processes from this user: zombie counts are partial`;
  if (view.selfInHostPidNamespace === false) {
    return `the exporter runs in a child PID namespace: pid_max is read in that namespace on recent kernels and may not be the host's; ${fix.split(' or ')[0]}`;
  }
  return undefined;
}
