// The Snapshot: one Sample as the JSON that GET /api/v1/snapshot serves and `inspect --json` prints, with PID usage
// against the real limit and each leaking parent's next step worked out once for the page, the API and inspect.

import type { OtherParents, Sample, SkipDetail, SkipReason, SourceError } from '../sample/sample.js';
import { advise } from './next-step.js';

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
  zombies: number;
  /** Its zombies' pids, oldest first, at most 20 (zombies says how many there are). */
  zombiePids: number[];
  /** Seconds since its oldest zombie was first seen: a lower bound on that zombie's age. */
  oldestAgeSeconds: number;
  /** Seconds since its oldest zombie's process started: an upper bound on that zombie's age; null when unknown. */
  oldestStartedSecondsAgo: number | null;
  /** What the person on call can do about it (advice; nothing here acts on it). */
  nextStep: string;
  /** The command in that advice that frees the zombies' PIDs now (`kill -TERM <pid>`); null for PID 1 and pid 0. */
  nextCommand: string | null;
}

export interface Snapshot {
  /** When the walk started: ISO 8601 in UTC, and milliseconds since the epoch. */
  time: string;
  timestampMs: number;
  durationSeconds: number;
  /** How long sampling had been going at this sample; 0 for a one-shot inspect, which can't know any zombie's age. */
  watchingSeconds: number;
  zombies: {
    /** Reapable zombies on the host. */
    total: number;
    /** Distinct parents holding them. */
    parents: number;
    /** Seconds since the oldest was first seen (see watchingSeconds). */
    oldestAgeSeconds: number;
    /** Exited thread-group leaders whose threads still run: not reapable yet, so not in total. */
    leadersWithThreads: number;
    appearedTotal: number;
    reapedTotal: number;
  };
  /** Parents holding zombies, most first: the top --zombies.top-parents of them, and PID 1 when it holds any. */
  parents: SnapshotParent[];
  /** Every parent beyond those, summed, so that parents and otherParents add up to zombies.total. */
  otherParents: OtherParents;
  pids: {
    /** Tasks in the kernel (every process, thread and zombie holds a PID), from /proc/loadavg. */
    inUse: number;
    /** The limit that bites first: min(pidMax, threadsMax). */
    limit: number;
    /** inUse / limit. */
    usage: number;
    pidMax: number;
    threadsMax: number | null;
    /** Threads the walk could see; well below inUse under hidepid or in a PID namespace. */
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
    /** Whether it catches, ignores or blocks SIGCHLD; null when its status can't be read. */
    sigchldHandled: boolean | null;
    /** Zombies it holds: orphans it adopted and has not reaped. */
    zombies: number;
  } | null;
  skipped: Record<SkipReason, number>;
  skipDetails: SkipDetail[];
  sourceErrors: SourceError[];
}

/** The limit that bites first: a fork needs a free PID (pid_max) and a task slot (threads-max). */
export function pidLimit(sample: Pick<Sample, 'pidMax' | 'threadsMax'>): number {
  return sample.threadsMax === null ? sample.pidMax : Math.min(sample.pidMax, sample.threadsMax);
}

export function toSnapshot(s: Sample): Snapshot {
  const limit = pidLimit(s);
  const initSigchld = s.init?.sigchldHandled ?? null;
  const parents = s.topParents
    .filter((p) => p.zombies > 0)
    .map((p): SnapshotParent => {
      const state = p.state ?? null;
      const advice = advise({ pid: p.pid, state, zombies: p.zombies }, initSigchld);
      return {
        pid: p.pid,
        comm: p.comm,
        state,
        uid: p.uid ?? null,
        user: p.user ?? null,
        cgroup: p.cgroup ?? null,
        zombies: p.zombies,
        zombiePids: [...p.zombiePids],
        oldestAgeSeconds: p.oldestAgeSeconds,
        oldestStartedSecondsAgo: p.oldestStartedSecondsAgo ?? null,
        nextStep: advice.text,
        nextCommand: advice.command,
      };
    });
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
    },
    parents,
    otherParents: { ...s.other },
    pids: {
      inUse: s.pidsInUse,
      limit,
      usage: limit > 0 ? s.pidsInUse / limit : 0,
      pidMax: s.pidMax,
      threadsMax: s.threadsMax,
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
            sigchldHandled: s.init.sigchldHandled,
            zombies: s.topParents.find((p) => p.pid === 1)?.zombies ?? 0,
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
