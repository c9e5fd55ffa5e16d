// The Snapshot: one Sample as the JSON that GET /api/v1/snapshot serves and `inspect --json` prints, with PID usage
// against the limit of its frame and each leaking parent's next step worked out once for the page, the API and
// inspect.

import type {
  CommZombies,
  ExitTimeSource,
  OtherParents,
  PidLimitSource,
  PidUsageSource,
  Sample,
  SkipDetail,
  SkipReason,
  SourceError,
} from '../sample/sample.js';
import { advise, initHoldsZombiesThatStay } from './next-step.js';

export interface SnapshotParent {
  pid: number;
  /** Chosen by the program itself: escape it wherever it is shown. */
  comm: string;
  /** The parent's own state letter (S, R, T, D, ...); null when it could not be read. */
  state: string | null;
  uid: number | null;
  user: string | null;
  /** Its cgroup path (a systemd unit, a container's cgroup); null when unknown. */
  cgroup: string | null;
  /** The container and pod its cgroup names; null when none. */
  containerId: string | null;
  podUid: string | null;
  /** PID 1 of a PID namespace below this view: a container's init, which ignores SIGTERM from outside. */
  namespaceInit: boolean;
  zombies: number;
  /** Its zombies' pids, oldest first, at most 20 (zombies says how many there are). */
  zombiePids: number[];
  /** Seconds since its oldest zombie exited (see oldestAgeSource). */
  oldestAgeSeconds: number;
  /**
   * sched: from the kernel's record of the zombie's last run (exact to a tick, less the error docs/metrics.md gives);
   * first_seen: since this exporter first saw it, a lower bound when it was already there at the first sample.
   */
  oldestAgeSource: ExitTimeSource;
  /** Seconds it has held the zombie it has held longest (since its exit, or since it was reparented to it). */
  heldSeconds: number;
  /** Seconds since its oldest zombie's process started: an upper bound on that zombie's age; null when unknown. */
  oldestStartedSecondsAgo: number | null;
  /** What the person on call can do about it (advice; nothing here acts on it). */
  nextStep: string;
  /** The command in that advice that frees the zombies' PIDs now (`kill -TERM <pid>`); null where none helps. */
  nextCommand: string | null;
}

export interface Snapshot {
  /** When the walk started: ISO 8601 in UTC, and milliseconds since the epoch. */
  time: string;
  timestampMs: number;
  durationSeconds: number;
  /** How long sampling had been going at this sample; 0 for a one-shot inspect. */
  watchingSeconds: number;
  zombies: {
    /** Reapable zombies in this view. */
    total: number;
    /** Distinct parents holding them. */
    parents: number;
    /** Seconds since the oldest exited. */
    oldestAgeSeconds: number;
    /** Exited thread-group leaders whose threads still run: not reapable yet, so not in total. */
    leadersWithThreads: number;
    appearedTotal: number;
    reapedTotal: number;
    reparentedTotal: number;
  };
  /**
   * Parents holding zombies, most first: the top --zombies.top-parents of them, every namespace init holding zombies,
   * and PID 1 when it holds any.
   */
  parents: SnapshotParent[];
  /** Every parent beyond those, summed, so that parents and otherParents add up to zombies.total. */
  otherParents: OtherParents;
  /** Zombies by their parent's comm, most first, and the rest summed: programs that run as many processes. */
  byComm: CommZombies[];
  otherComms: number;
  pids: {
    /** host: every task in the kernel (loadavg); namespace: the tasks of the PID namespace the proc root shows. */
    frame: 'host' | 'namespace';
    /** Tasks holding a PID in that frame; null on the host frame without loadavg. */
    inUse: number | null;
    /** The limit that bites first in that frame, and which one it is; null when a limit could not be read. */
    limit: number | null;
    limitedBy: PidLimitSource | null;
    /** inUse / limit; null when either is unknown, and then `unknown` says why. */
    usage: number | null;
    /** The host files the usage lacked (loadavg, pid_max, threads_max), e.g. ["pid_max"]; empty when it is known. */
    unknown: PidUsageSource[];
    pidMax: number | null;
    threadsMax: number | null;
    /** Every task in the kernel (loadavg), whatever the frame; null without loadavg. */
    kernelTasks: number | null;
    /** Threads the walk could see; below inUse under hidepid. */
    visibleTasks: number;
  };
  processes: {
    total: number;
    byState: Record<string, number>;
    forksTotal: number | null;
  };
  /** PID 1; null when it can't be seen. */
  init: {
    comm: string;
    userCpuSeconds: number;
    systemCpuSeconds: number;
    /** What its masks say of SIGCHLD (explains; proves nothing); null when its status can't be read. */
    sigchld: { ignored: boolean; caught: boolean; blocked: boolean } | null;
    /** Zombies it holds: orphans it adopted and has not reaped. */
    zombies: number;
    /** How long it has held the one it has held longest. */
    heldSeconds: number;
  } | null;
  skipped: Record<SkipReason, number>;
  skipDetails: SkipDetail[];
  sourceErrors: SourceError[];
}

export function toSnapshot(s: Sample): Snapshot {
  const stuck = initHoldsZombiesThatStay(s.topParents);
  const parents = s.topParents
    .filter((p) => p.zombies > 0)
    .map((p): SnapshotParent => {
      const state = p.state ?? null;
      const namespaceInit = p.namespaceInit ?? false;
      const containerId = p.containerId ?? null;
      const advice = advise(
        { pid: p.pid, state, zombies: p.zombies, namespaceInit, containerId, heldSeconds: p.heldSeconds },
        stuck,
      );
      return {
        pid: p.pid,
        comm: p.comm,
        state,
        uid: p.uid ?? null,
        user: p.user ?? null,
        cgroup: p.cgroup ?? null,
        containerId,
        podUid: p.podUid ?? null,
        namespaceInit,
        zombies: p.zombies,
        zombiePids: [...p.zombiePids],
        oldestAgeSeconds: p.oldestAgeSeconds,
        oldestAgeSource: p.oldestAgeSource ?? 'first_seen',
        heldSeconds: p.heldSeconds,
        oldestStartedSecondsAgo: p.oldestStartedSecondsAgo ?? null,
        nextStep: advice.text,
        nextCommand: advice.command,
      };
    });
  const pid1 = s.topParents.find((p) => p.pid === 1);
  return {
    time: new Date(s.timestampMs).toISOString(),
    timestampMs: s.timestampMs,
    durationSeconds: s.durationSeconds,
    watchingSeconds: Math.max(0, (s.timestampMs - s.firstSampleMs) / 1000),
    zombies: {
      total: s.zombies,
      parents: s.zombieParents,
      oldestAgeSeconds: s.oldestZombieAgeSeconds,
      leadersWithThreads: s.zombieLeadersWithThreads,
      appearedTotal: s.zombiesAppearedTotal,
      reapedTotal: s.zombiesReapedTotal,
      reparentedTotal: s.zombiesReparentedTotal,
    },
    parents,
    otherParents: { ...s.other },
    byComm: s.zombiesByComm.map((c) => ({ ...c })),
    otherComms: s.zombiesInOtherComms,
    pids: {
      frame: s.pidFrame,
      inUse: s.pidsInUse,
      limit: s.pidLimit,
      limitedBy: s.pidLimitedBy,
      usage: s.pidLimit === null || s.pidsInUse === null ? null : s.pidLimit > 0 ? s.pidsInUse / s.pidLimit : 0,
      unknown: [...s.pidUsageUnknown],
      pidMax: s.pidMax,
      threadsMax: s.threadsMax,
      kernelTasks: s.kernelTasks,
      visibleTasks: s.visibleTasks,
    },
    processes: { total: s.processes, byState: { ...s.processesByState }, forksTotal: s.forksTotal },
    init:
      s.init === null
        ? null
        : {
            comm: s.init.comm,
            userCpuSeconds: s.init.userSeconds,
            systemCpuSeconds: s.init.systemSeconds,
            sigchld: s.init.sigchld === null ? null : { ...s.init.sigchld },
            zombies: pid1?.zombies ?? 0,
            heldSeconds: pid1?.heldSeconds ?? 0,
          },
    skipped: { ...s.skipped },
    skipDetails: s.skipDetails.map((d) => ({ ...d })),
    sourceErrors: s.sourceErrors.map((e) => ({ ...e })),
  };
}

/** The page, the API and every refresh in between share one Snapshot per published sample; it goes with the sample. */
const snapshots = new WeakMap<Sample, Snapshot>();

export function snapshotOf(s: Sample): Snapshot {
  let snapshot = snapshots.get(s);
  if (snapshot === undefined) snapshots.set(s, (snapshot = toSnapshot(s)));
  return snapshot;
}
