// PID usage in the right frame: the host's tasks against the host's limits, or, when the proc root shows a PID
// namespace, that namespace's tasks against what bounds it.

import type { PidsChainLink } from './frame-cgroup.js';
import type { PidLimitSource, Sample } from './sample.js';

export interface PidFrameInput {
  /** Whose PID namespace the proc root shows (read at start-up). */
  pidNamespace: 'host' | 'container' | 'unknown';
  /** loadavg's total: every task in the kernel. */
  kernelTasks: number;
  /** Tasks the walk saw (sum of num_threads). */
  visibleTasks: number;
  /** pid_max as read through the proc root: the namespace's own on recent kernels. */
  pidMax: number;
  threadsMax: number | null;
  /** The pids cgroups of the proc root's PID 1, innermost first (a namespace frame only); empty when unknown. */
  frameCgroups: readonly PidsChainLink[];
}

export type PidFrame = Pick<Sample, 'pidFrame' | 'pidsInUse' | 'pidLimit' | 'pidLimitedBy' | 'frameCgroup'>;

/**
 * On the host frame, loadavg's total against min(pid_max, threads-max), exactly as the kernel counts. In a PID
 * namespace, loadavg still counts the whole host, so the tasks are the ones the walk saw (the namespace's own), and
 * each limit becomes the most that namespace could hold: its own pid_max; threads-max less the tasks outside it
 * (threads-max is kernel-wide); and its tasks plus the room its cgroup's pids.max leaves (the tightest link up the
 * chain, since every ancestor's limit applies too). A pid_max the ancestors' namespaces set lower is not visible
 * from inside and is not counted (docs/containers.md).
 */
export function pidFrame(input: PidFrameInput): PidFrame {
  const namespace = input.pidNamespace === 'container';
  const inUse = namespace ? input.visibleTasks : input.kernelTasks;
  const candidates: [PidLimitSource, number][] = [['pid_max', input.pidMax]];
  if (input.threadsMax !== null) {
    const outside = namespace ? Math.max(0, input.kernelTasks - input.visibleTasks) : 0;
    candidates.push(['threads_max', Math.max(0, input.threadsMax - outside)]);
  }
  let frameCgroup: PidFrame['frameCgroup'] = null;
  if (namespace && input.frameCgroups.length > 0) {
    const headroom = Math.min(...input.frameCgroups.map((l) => Math.max(0, l.max - l.current)));
    const own = input.frameCgroups[0]!;
    if (Number.isFinite(headroom)) {
      frameCgroup = { path: own.path, current: own.current, headroom };
      candidates.push(['pids_max', inUse + headroom]);
    }
  }
  // The first of equal limits wins, so the order above (pid_max, threads-max, pids.max) breaks ties.
  const [limitedBy, limit] = candidates.reduce((best, c) => (c[1] < best[1] ? c : best));
  return {
    pidFrame: namespace ? 'namespace' : 'host',
    pidsInUse: inUse,
    pidLimit: limit,
    pidLimitedBy: limitedBy,
    frameCgroup,
  };
}
