// The Sample: everything one walk of the proc root found, published whole, and the vocabulary it is told in (its
// sources, their failures, its skip reasons). Metrics, pages and JSON read only this; the readers below it have
// their own words, and the sample is where theirs become these.

import type { EventTotals, FullWalkReason } from './exit-events.js';

/**
 * Where a sample reads from. The sample fails only without procfs_root (take-sample.ts decides that, not the
 * readers), and the previous one keeps being served; every other source only leaves out what needs it (loadavg,
 * pid_max and threads_max: PID usage, see PidUsageSource).
 */
/** deadline: the collection did not finish in time (a read blocked) and its worker was replaced. */
export type SampleSource =
  'procfs_root' | 'loadavg' | 'pid_max' | 'threads_max' | 'stat' | 'init' | 'cgroups' | 'deadline';
export const SAMPLE_SOURCES: readonly SampleSource[] = [
  'procfs_root',
  'deadline',
  'loadavg',
  'pid_max',
  'threads_max',
  'stat',
  'init',
  'cgroups',
];

/** A source that failed without failing the sample (its metrics are left out of this one). */
export interface SourceError {
  source: SampleSource;
  message: string;
}

/** A failure of a source the sample can't do without: no sample is published, the last good one stays. */
export class SourceFailure extends Error {
  constructor(
    readonly source: SampleSource,
    message: string,
  ) {
    super(message);
    this.name = 'SourceFailure';
  }
}

/** Why a pid was left out of a walk; a bounded set that becomes the `reason` label of skipped_pids_total. */
export type SkipReason = 'vanished' | 'permission' | 'malformed' | 'io_error' | 'not_regular' | 'not_a_pid';
export const SKIP_REASONS: readonly SkipReason[] = [
  'vanished',
  'permission',
  'malformed',
  'io_error',
  'not_regular',
  'not_a_pid',
];

/** A skipped pid worth a log line and a line in /healthz (vanished pids are routine and not kept). */
export interface SkipDetail {
  pid: number;
  reason: SkipReason;
  /** errno code or parse failure, e.g. `EACCES` or `truncated`. */
  detail: string;
}

/** Why a cgroup was left out of a walk of the pids hierarchy: the pid reasons, plus `limit` (past a bound). */
export type CgroupSkipReason = Exclude<SkipReason, 'not_a_pid'> | 'limit';
export const CGROUP_SKIP_REASONS: readonly CgroupSkipReason[] = [
  ...SKIP_REASONS.filter((r): r is Exclude<SkipReason, 'not_a_pid'> => r !== 'not_a_pid'),
  'limit',
];

/** What the proc root lets the exporter see (its hidepid mode, and whose PID namespace it shows), read at start-up. */
export interface ProcRootView {
  hidepid: 'off' | 'noaccess' | 'invisible' | 'ptraceable' | 'unknown';
  pidNamespace: 'host' | 'container' | 'unknown';
}

/** A parent holding zombies, or PID 1 (always listed, even with none). */
export interface ZombieParent {
  /** The parent's pid in the proc root's PID namespace (0: a parent outside that namespace). */
  pid: number;
  /** The parent's comm; empty when the parent itself can't be seen. */
  comm: string;
  /** Reapable zombies this parent holds. */
  zombies: number;
  /**
   * Seconds since its oldest zombie exited: from the kernel's record of the zombie's last run where it could be read
   * (oldestAgeSource sched), else since this exporter first saw it (first_seen, a lower bound for a zombie that was
   * there before the exporter started); 0 with none.
   */
  oldestAgeSeconds: number;
  /** Where the oldest zombie's exit time came from; absent with none. */
  oldestAgeSource?: ExitTimeSource;
  /**
   * Seconds this parent has held the zombie it has held longest: since that zombie exited, or since it was
   * reparented to this parent (its old parent died), whichever is later. What "not reaping" is judged on; 0 with none.
   */
  heldSeconds: number;
  /**
   * Seconds since its newest zombie exited: recent while it still makes zombies. With an old heldSeconds, a parent
   * that keeps making zombies it never reaps, told apart from one holding a fixed set from one burst; 0 with none.
   */
  newestAgeSeconds: number;
  /** Pids of its zombies, oldest first, at most ZOMBIE_PIDS_PER_PARENT. */
  zombiePids: number[];
  // The fields below are read only for parents holding zombies (a few small reads each) and absent otherwise; null
  // means they were looked for and could not be read (the parent vanished, hidepid, another PID namespace).
  /** The parent's own state letter (S, R, T, D, ...), from the walk. */
  state?: string | null;
  /** The parent's real uid, from its status. */
  uid?: number | null;
  /** The user name for uid, from the passwd file of the proc root's PID 1 (or this machine's, for /proc). */
  user?: string | null;
  /** The parent's cgroup path (see primaryCgroupPath): where it runs, e.g. a systemd unit or a container. */
  cgroup?: string | null;
  /** What the cgroup path names (see describeCgroupPath); null when unknown or not named. */
  containerId?: string | null;
  podUid?: string | null;
  systemdUnit?: string | null;
  /**
   * PID 1 of a PID namespace below the proc root's (a container's first process, seen from the host): orphans in its
   * namespace are reparented to it, and it ignores every signal it has no handler for. false when unknown.
   */
  namespaceInit?: boolean;
  /**
   * Seconds between the start of its oldest zombie's process and the sample: an upper bound on how long that zombie
   * has been one (procfs keeps when a process started, not when it exited).
   */
  oldestStartedSecondsAgo?: number | null;
}

/** Parents outside the top N, summed so that by-parent totals always add up to the host total. */
export interface OtherParents {
  parents: number;
  zombies: number;
  oldestAgeSeconds: number;
  heldSeconds: number;
  /** The most recent exit among them (the smallest newest age). */
  newestAgeSeconds: number;
}

/**
 * Where a zombie's exit time came from: the proc connector's exit event (event mode), the kernel's record of its
 * last run, or this exporter's first sight.
 */
export type ExitTimeSource = 'event' | 'sched' | 'first_seen';

/** Zombies by their parent's comm, for programs that run as many processes (worker pools, php-fpm). */
export interface CommZombies {
  comm: string;
  zombies: number;
  /** Parents with this comm holding them. */
  parents: number;
}

export interface InitProcess {
  comm: string;
  /** CPU seconds in user and kernel mode since PID 1 started. */
  userSeconds: number;
  systemSeconds: number;
  /**
   * What PID 1's signal masks say about SIGCHLD; null when its status can't be read. An explanation, never a
   * verdict: a default disposition reaps fine with wait(), a handler may never call it.
   */
  sigchld: { ignored: boolean; caught: boolean; blocked: boolean } | null;
}

/** Which limit bounds the tasks of the PID frame the sample is in. */
export type PidLimitSource = 'pid_max' | 'threads_max' | 'pids_max';

/**
 * The host files PID usage is worked out from: without one of them the usage (and whichever of PIDs in use, the
 * limit, kernel tasks, pid_max and threads-max need it) is unknown in that sample, while zombies, parents, states and
 * PID 1 are still counted.
 */
export type PidUsageSource = Extract<SampleSource, 'loadavg' | 'pid_max' | 'threads_max'>;

/** One cgroup of the pids hierarchy, as exported. */
export interface SelectedCgroup {
  /** Its path below the hierarchy root, as the kernel writes it: `/system.slice/nginx.service`. */
  path: string;
  /** pids.current: tasks charged to it and its descendants (threads and unreaped zombies included). */
  current: number;
  /** pids.max; +Inf when it has no limit of its own. */
  max: number;
  /** Forks its limit refused since the exporter started (or since it appeared); null without pids.events. */
  rejected: number | null;
  /** pids.peak: the highest pids.current since it was created; null on kernels without the file. */
  peak: number | null;
}

/** The cgroup walk's part of a sample: pids.current against pids.max, and refused forks. */
export interface CgroupPids {
  /** The hierarchy walked (absolute path), or null when no pids controller was found. */
  hierarchy: { version: 1 | 2; path: string } | null;
  /** Cgroups read in this walk. */
  cgroups: number;
  /**
   * The --cgroups.top cgroups closest to their limit, then those that refused forks since the exporter started
   * and are not among them (most recent first, at most --cgroups.top); no cgroup twice.
   */
  selected: SelectedCgroup[];
  /** Cgroups left out of this walk, by reason. */
  skipped: Record<CgroupSkipReason, number>;
}

/** Zombies whose parents are in one cgroup ('' when the parent's cgroup could not be read). */
export interface CgroupZombies {
  cgroup: string;
  zombies: number;
}

/** The state letters exported even at zero, so alerts never meet an absent series. */
export const ALWAYS_EXPORTED_STATES: readonly string[] = ['R', 'S', 'D', 'Z', 'T', 't', 'X', 'I'];

export const ZOMBIE_PIDS_PER_PARENT = 20;

/** How a sample was collected: a walk of every process, or (event mode) the stat files the proc connector named. */
export interface SampleCollection {
  mode: 'walk' | 'events';
  /** Whether this sample walked the whole proc root; in event mode, why (null when it read only what events named). */
  fullWalk: boolean;
  fullWalkReason: FullWalkReason | null;
  /** Stat files read (processes plus pids skipped): O(processes) in a walk, O(exits + zombies) from events. */
  statFiles: number;
  /** Event mode: proc connector events since the last sample, and what was lost; null in walk mode. */
  events: EventTotals | null;
}

export interface Sample {
  /** How it was collected; processes, processesByState and visibleTasks are from the last full walk in event mode. */
  collection: SampleCollection;
  /** Wall-clock time the walk started (ms since the epoch). */
  timestampMs: number;
  /**
   * When this taker's first sample was taken: a zombie dated by first sight (exit time source first_seen) and first
   * seen then may be older than its age says. Equal to timestampMs in a one-shot run.
   */
  firstSampleMs: number;
  /** How long the walk and host reads took. */
  durationSeconds: number;
  /** Thread-group leaders read in this walk. */
  processes: number;
  /** Leaders by kernel state letter; ALWAYS_EXPORTED_STATES are present at 0. */
  processesByState: Record<string, number>;
  /** Reapable zombies: leaders in state Z with no live threads left. */
  zombies: number;
  /** Leaders in state Z whose other threads still run; not reapable until those exit. */
  zombieLeadersWithThreads: number;
  /** Distinct parents holding at least one zombie. */
  zombieParents: number;
  /** Seconds since the oldest zombie present exited (see ZombieParent.oldestAgeSeconds); 0 with none. */
  oldestZombieAgeSeconds: number;
  /**
   * The top-N parents by zombies, most first, then every namespace init holding zombies that is not among them (up
   * to a cap), then PID 1 wherever it ranks.
   */
  topParents: ZombieParent[];
  other: OtherParents;
  /** The parent comms holding the most zombies, most first (at most --zombies.top-parents). */
  zombiesByComm: CommZombies[];
  /** Zombies under parents with every other comm: with zombiesByComm, every zombie. */
  zombiesInOtherComms: number;
  /** Zombies first seen, seen then gone, and seen under a new parent, since the taker started. */
  zombiesAppearedTotal: number;
  zombiesReapedTotal: number;
  zombiesReparentedTotal: number;
  /** The zombies first seen in this sample, by where their exit time came from. */
  exitTimeSources: Record<ExitTimeSource, number>;
  /**
   * Whose PIDs the usage below counts: the host's (the proc root shows the initial PID namespace, or can't tell) or
   * the PID namespace the proc root shows (a container's), where /proc/loadavg would still count the whole host.
   */
  pidFrame: 'host' | 'namespace';
  /**
   * Tasks holding a PID in that frame: loadavg's total on the host, the visible tasks in a namespace; null on the
   * host without loadavg.
   */
  pidsInUse: number | null;
  /** Every task in the kernel, all namespaces (loadavg's total); null without loadavg. */
  kernelTasks: number | null;
  /** Sum of num_threads over the walk: the tasks this proc root lets the exporter see. */
  visibleTasks: number;
  /**
   * The lowest of pid_max, threads-max and (in a namespace) its cgroup's PID headroom: where forks fail. null, with
   * pidLimitedBy, when one of the limits could not be read: the lowest of the rest may not be where forks fail.
   */
  pidLimit: number | null;
  pidLimitedBy: PidLimitSource | null;
  /** What PID usage lacked in this sample, in SAMPLE_SOURCES order; empty when pidsInUse and pidLimit are known. */
  pidUsageUnknown: PidUsageSource[];
  pidMax: number | null;
  threadsMax: number | null;
  /**
   * The pids cgroup of the proc root's PID 1 when the frame is a namespace, with the tasks its limits leave room for
   * (the lowest of pids.max - pids.current up its chain of cgroups); null on the host frame or when unreadable.
   */
  frameCgroup: { path: string; current: number; headroom: number } | null;
  forksTotal: number | null;
  init: InitProcess | null;
  /** Pids skipped in this walk, by reason. */
  skipped: Record<SkipReason, number>;
  /** The first few skips that were not routine vanishes: which pid, and why. */
  skipDetails: SkipDetail[];
  sourceErrors: SourceError[];
  /** The pids hierarchy's cgroups closest to their limit; null when --cgroups.top is 0 (the walk is off). */
  cgroupPids: CgroupPids | null;
  /** The cgroups whose processes parent the most zombies, most first (at most --cgroups.top). */
  zombiesByCgroup: CgroupZombies[];
  /** Zombies under parents in every other cgroup: with zombiesByCgroup, every zombie. */
  zombiesInOtherCgroups: number;
}
