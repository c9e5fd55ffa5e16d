// Every metric family the exporter declares, in one table: name, help, type and labels, in exposition order.
// docs/metrics.md is held to this table by a test; what each family's values are is sample-series.ts.

export type FamilyType = 'gauge' | 'counter' | 'histogram';

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly labels: readonly string[];
}

const LAST = 'As of the last sample.';
/** What event mode can't follow from exits: the counts a walk of every process gives. */
const FROM_FULL_WALK = 'In event mode (zombie_exporter_sample_mode), as of the last full walk.';

const gauge = (name: string, help: string, labels: readonly string[] = []): Family => ({
  name,
  help,
  type: 'gauge',
  labels,
});
const counter = (name: string, help: string, labels: readonly string[] = []): Family => ({
  name,
  help,
  type: 'counter',
  labels,
});

/** Buckets of zombie_exporter_sample_duration_seconds: a walk takes a millisecond on a small host, seconds on a huge one. */
export const SAMPLE_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export const FAMILIES = {
  zombies: gauge('proctable_zombies', `Reapable zombie processes: leaders in state Z with no live threads. ${LAST}`),
  zombieLeadersWithThreads: gauge(
    'proctable_zombie_leaders_with_threads',
    `Thread-group leaders in state Z whose other threads still run (not reapable yet). ${LAST}`,
  ),
  zombiesByParent: gauge(
    'proctable_zombies_by_parent',
    `Zombies per parent for the top parents and PID 1; parent_pid="other" sums the rest. ${LAST}`,
    ['parent_pid', 'parent_comm'],
  ),
  zombieParents: gauge('proctable_zombie_parents', `Distinct parents holding at least one zombie. ${LAST}`),
  zombieOldestAge: gauge(
    'proctable_zombie_oldest_age_seconds',
    `Seconds since the oldest zombie present exited, from the kernel's record of its last run (else since first seen); 0 when none. ${LAST}`,
  ),
  zombieParentOldestAge: gauge(
    'proctable_zombie_parent_oldest_age_seconds',
    `Seconds since each parent's oldest zombie exited (kernel record, else first seen); same series as proctable_zombies_by_parent. ${LAST}`,
    ['parent_pid', 'parent_comm'],
  ),
  zombieParentHeld: gauge(
    'proctable_zombie_parent_held_seconds',
    `Seconds each parent has held the zombie it has held longest: since it exited, or since it was reparented to this parent. ${LAST}`,
    ['parent_pid', 'parent_comm'],
  ),
  zombieParentNewestAge: gauge(
    'proctable_zombie_parent_newest_age_seconds',
    `Seconds since each parent's newest zombie exited: recent while it keeps making zombies; same series as proctable_zombies_by_parent. ${LAST}`,
    ['parent_pid', 'parent_comm'],
  ),
  zombieParentOldestStarted: gauge(
    'proctable_zombie_parent_oldest_started_seconds',
    `Seconds since the process of each leaking parent's oldest zombie started: an upper bound on that zombie's age. ${LAST}`,
    ['parent_pid', 'parent_comm'],
  ),
  zombiesByParentComm: gauge(
    'proctable_zombies_by_parent_comm',
    `Zombies by their parent's comm for the programs holding the most; other="true" sums the rest. ${LAST}`,
    ['parent_comm', 'other'],
  ),
  zombiesAppeared: counter(
    'proctable_zombies_appeared_total',
    `Zombies first seen since the exporter started. ${LAST}`,
  ),
  zombiesReaped: counter(
    'proctable_zombies_reaped_total',
    `Zombies seen and then gone since the exporter started. ${LAST}`,
  ),
  zombiesReparented: counter(
    'proctable_zombies_reparented_total',
    `Zombies seen under one parent and later under another (their parent died) since the exporter started. ${LAST}`,
  ),
  processes: gauge(
    'proctable_processes',
    `Processes (thread-group leaders) by kernel state letter. ${LAST} ${FROM_FULL_WALK}`,
    ['state'],
  ),
  pidsInUse: gauge(
    'proctable_pids_in_use',
    `Tasks holding a PID in the exporter's PID frame (threads and zombies included): loadavg's total on the host, the PID namespace's own tasks in a container view. ${LAST}`,
  ),
  pidLimit: gauge(
    'proctable_pid_limit',
    `The most tasks the PID frame can hold: the lowest of pid_max, threads-max and (in a namespace) its cgroup's pids.max room; limited_by names it. ${LAST}`,
    ['limited_by'],
  ),
  kernelTasks: gauge(
    'proctable_kernel_tasks',
    `Every task in the kernel, all PID namespaces, from /proc/loadavg. ${LAST}`,
  ),
  visibleTasks: gauge(
    'proctable_visible_tasks',
    `Sum of num_threads over the processes the exporter can see; below pids_in_use under hidepid or a PID namespace. ${LAST} ${FROM_FULL_WALK}`,
  ),
  pidMax: gauge('proctable_pid_max', `/proc/sys/kernel/pid_max: PIDs wrap at this value. ${LAST}`),
  threadsMax: gauge('proctable_threads_max', `/proc/sys/kernel/threads-max: the kernel's limit on tasks. ${LAST}`),
  forks: counter('proctable_forks_total', `Forks since boot (threads included) from /proc/stat. ${LAST}`),
  initCpu: counter('proctable_init_cpu_seconds_total', `CPU seconds used by PID 1, by mode. ${LAST}`, ['mode']),
  initInfo: gauge('proctable_init_info', `PID 1's comm, value 1. ${LAST}`, ['comm']),
  initSigchld: gauge(
    'proctable_init_sigchld',
    `PID 1's SIGCHLD disposition from its masks, value 1 per disposition that holds (ignored, caught, blocked, or default); explains, never proves, reaping. ${LAST}`,
    ['disposition'],
  ),
  zombieParentInfo: gauge(
    'proctable_zombie_parent_info',
    `Where each top zombie parent runs, value 1: its cgroup and the container, pod and systemd unit it names; join on parent_pid. ${LAST}`,
    ['parent_pid', 'parent_comm', 'cgroup', 'container_id', 'pod_uid', 'systemd_unit', 'namespace_init'],
  ),
  zombiesByCgroup: gauge(
    'proctable_zombies_by_cgroup',
    `Zombies by their parent's cgroup for the cgroups holding the most; cgroup="other" sums the rest. ${LAST}`,
    ['cgroup'],
  ),
  cgroups: gauge('proctable_cgroups', `Cgroups read in the pids hierarchy by the last walk. ${LAST}`),
  cgroupPids: gauge(
    'proctable_cgroup_pids',
    `pids.current: tasks in the cgroup and its descendants, for the cgroups closest to their limit and those that refused forks. ${LAST}`,
    ['cgroup'],
  ),
  cgroupPidsMax: gauge(
    'proctable_cgroup_pids_max',
    `pids.max: the cgroup's task limit; +Inf when it has none of its own. ${LAST}`,
    ['cgroup'],
  ),
  cgroupPidsPeak: gauge(
    'proctable_cgroup_pids_peak',
    `pids.peak: the most tasks the cgroup has held since it was created. ${LAST}`,
    ['cgroup'],
  ),
  cgroupPidsRejected: counter(
    'proctable_cgroup_pids_rejected_total',
    `Forks refused by the cgroup's pids limit (pids.events max) since the exporter started or the cgroup appeared. ${LAST}`,
    ['cgroup'],
  ),
  buildInfo: gauge(
    'zombie_exporter_build_info',
    'Build information, value 1: the version, the git revision and branch it was built from, the Node.js and platform it runs on; walker is native or node (the slower fallback).',
    ['version', 'revision', 'branch', 'nodejs_version', 'os', 'arch', 'walker'],
  ),
  hostInfo: gauge('zombie_exporter_host_info', 'Host facts read once at start-up, value 1.', [
    'os',
    'distro',
    'release',
    'kernel',
    'arch',
    'nodename',
  ]),
  sampleInterval: gauge('zombie_exporter_sample_interval_seconds', 'Configured --sample.interval.'),
  lastSampleTimestamp: gauge(
    'zombie_exporter_last_sample_timestamp_seconds',
    'Unix time the last published sample was taken; the proctable_* metrics are as of then.',
  ),
  sampleDuration: {
    name: 'zombie_exporter_sample_duration_seconds',
    help: 'Time to walk the proc root and read host facts, per successful sample.',
    type: 'histogram',
    labels: [],
  },
  samples: counter('zombie_exporter_samples_total', 'Samples attempted.'),
  sampleErrors: counter(
    'zombie_exporter_sample_errors_total',
    'Sources that could not be read, per sample; only procfs_root fails the sample, the rest leave out what needs them.',
    ['source'],
  ),
  skippedPids: counter('zombie_exporter_skipped_pids_total', 'Pids skipped during walks, by reason.', ['reason']),
  zombieExitTimes: counter(
    'zombie_exporter_zombie_exit_times_total',
    "Zombies dated, by where their exit time came from: event (the proc connector's exit event, exact), sched (the kernel's record of the zombie's last run) or first_seen (this exporter's first sight).",
    ['source'],
  ),
  skippedCgroups: counter(
    'zombie_exporter_skipped_cgroups_total',
    'Cgroups skipped during walks of the pids hierarchy, by reason.',
    ['reason'],
  ),
  procfsInfo: gauge(
    'zombie_exporter_procfs_info',
    "The proc root's hidepid mount option and whether it shows the host's PID namespace, value 1; read at start-up.",
    ['hidepid', 'pid_namespace'],
  ),
  sampleMode: gauge(
    'zombie_exporter_sample_mode',
    "How samples find zombies, value 1, decided at start-up: walk (every /proc/PID/stat, each sample) or events (the kernel's proc connector: a sample reads the stat files of what exited and of the zombies known, and walks everything at start-up, after lost events and every --sample.full-walk-interval).",
    ['mode'],
  ),
  sampleStatFiles: gauge(
    'zombie_exporter_sample_stat_files',
    `Stat files the last sample read: every process in a walk; in event mode the exits since the last sample, the zombies known and PID 1. ${LAST}`,
  ),
  fullWalks: counter(
    'zombie_exporter_full_walks_total',
    'Event mode: samples that walked every process, by reason: start (the first), lost_events (events were lost, so the walk resynchronises), interval (--sample.full-walk-interval).',
    ['reason'],
  ),
  procEvents: counter(
    'zombie_exporter_proc_events_total',
    'Event mode: proc connector events received, by type: fork, exit, other (exec, comm, uid and the like, not used).',
    ['type'],
  ),
  procEventsLost: counter(
    'zombie_exporter_proc_events_lost_total',
    "Event mode: events the kernel sent that never reached the exporter (gaps in each CPU's sequence numbers); each loss makes the next sample a full walk.",
  ),
  procEventsOverflows: counter(
    'zombie_exporter_proc_events_overflows_total',
    'Event mode: reads of the proc connector socket that found its buffer had overflowed (ENOBUFS).',
  ),
  scrapesRefused: counter(
    'zombie_exporter_scrapes_refused_total',
    'Scrapes of the telemetry path answered 503 because --web.max-requests scrapes were already being served.',
  ),
} as const satisfies Record<string, Family>;

export type FamilyKey = keyof typeof FAMILIES;
