// PID usage in the right frame: the host's tasks against the host's limits, or, when the proc root shows a PID
// namespace, that namespace's tasks against what bounds it; unknown, and saying which file it lacked, when one of
// the host files it is worked out from could not be read.

import type { PidsChainLink } from './frame-cgroup.js';
import type { PidLimitSource, PidUsageSource, Sample } from './sample.js';

export interface PidFrameInput {
  /** Whose PID namespace the proc root shows (read at start-up). */
  pidNamespace: 'host' | 'container' | 'unknown';
  /** loadavg's total: every task in the kernel; null without loadavg. */
  kernelTasks: number | null;
  /** Tasks the walk saw (sum of num_threads). */
  visibleTasks: number;
  /** pid_max as read through the proc root: the namespace's own on recent kernels; null when unreadable. */
  pidMax: number | null;
  threadsMax: number | null;
  /** The pids cgroups of the proc root's PID 1, innermost first (a namespace frame only); empty when unknown. */
  frameCgroups: readonly PidsChainLink[];
}

export type PidFrame = Pick<
  Sample,
  'pidFrame' | 'pidsInUse' | 'pidLimit' | 'pidLimitedBy' | 'frameCgroup' | 'pidUsageUnknown'
>;

/**
 * On the host frame, loadavg's total against min(pid_max, threads-max), exactly as the kernel counts. In a PID
 * namespace, loadavg still counts the whole host, so the tasks are the ones the walk saw (the namespace's own), and
 * each limit becomes the most that namespace could hold: its own pid_max; threads-max less the tasks outside it
 * (threads-max is kernel-wide); and its tasks plus the room its cgroup's pids.max leaves (the tightest link up the
 * chain, since every ancestor's limit applies too). A pid_max the ancestors' namespaces set lower is not visible
 * from inside and is not counted (docs/containers.md).
 *
 * Without pid_max or threads-max there is no limit: the lowest of the others is not where forks fail (threads-max
 * is often below a systemd host's pid_max of 4194304, and pid_max below threads-max elsewhere). Without loadavg the
 * host frame has no PIDs in use, and a namespace frame no limit (the tasks outside it, which threads-max also
 * counts, are unknown). Either way the usage is unknown, and pidUsageUnknown says which files it lacked.
 */
export function pidFrame(input: PidFrameInput): PidFrame {
  const namespace = input.pidNamespace === 'container';
  const inUse = namespace ? input.visibleTasks : input.kernelTasks;
  const unknown: PidUsageSource[] = [];
  if (input.kernelTasks === null) unknown.push('loadavg');
  if (input.pidMax === null) unknown.push('pid_max');
  if (input.threadsMax === null) unknown.push('threads_max');

  let frameCgroup: PidFrame['frameCgroup'] = null;
  let cgroupRoom: number | undefined;
  if (namespace && input.frameCgroups.length > 0) {
    const headroom = Math.min(...input.frameCgroups.map((l) => Math.max(0, l.max - l.current)));
    const own = input.frameCgroups[0]!;
    if (Number.isFinite(headroom)) {
      frameCgroup = { path: own.path, current: own.current, headroom };
      cgroupRoom = headroom;
    }
  }
  const frame = { pidFrame: namespace ? 'namespace' : 'host', pidsInUse: inUse, frameCgroup } as const;
  const outside = namespace ? (input.kernelTasks === null ? null : input.kernelTasks - input.visibleTasks) : 0;
  if (input.pidMax === null || input.threadsMax === null || outside === null) {
    return { ...frame, pidLimit: null, pidLimitedBy: null, pidUsageUnknown: unknown };
  }

  const candidates: [PidLimitSource, number][] = [
    ['pid_max', input.pidMax],
    ['threads_max', Math.max(0, input.threadsMax - Math.max(0, outside))],
  ];
  // In a namespace frame inUse is the walk's, never null.
  if (cgroupRoom !== undefined) candidates.push(['pids_max', input.visibleTasks + cgroupRoom]);
  // The first of equal limits wins, so the order above (pid_max, threads-max, pids.max) breaks ties.
  const [limitedBy, limit] = candidates.reduce((best, c) => (c[1] < best[1] ? c : best));
  return { ...frame, pidLimit: limit, pidLimitedBy: limitedBy, pidUsageUnknown: unknown };
}
