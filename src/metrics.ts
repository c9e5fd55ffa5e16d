// Every metric the exporter exposes: name, help, type and labels, on a registry passed in, set from each Sample.

import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { cgroupLabel } from './cgroup-label.js';
import type { ProcfsView } from './procfs/procfs-view.js';
import { SKIP_REASONS } from './procfs/reader.js';
import { SAMPLE_SOURCES, type Sample, type SampleSource } from './sample/sample.js';
import { CGROUP_SKIP_REASONS } from './sysfs/cgroup-walk.js';

/** Label value for the bucket that sums every parent outside the top N. */
export const OTHER_PARENT = 'other';
/** Label value for the bucket that sums every cgroup outside the top N (a real cgroup path starts with `/`). */
export const OTHER_CGROUP = 'other';

type ParentInfoLabel = 'parent_pid' | 'parent_comm' | 'cgroup' | 'container_id' | 'pod_uid' | 'systemd_unit';

// prom-client's default metrics include three gauges whose `_total` suffix makes `promtool check metrics` fail.
const PROMTOOL_INVALID_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const LAST = 'As of the last sample.';

/**
 * How long the runtime families' text is reused. They describe the exporter process itself (CPU seconds, RSS, open
 * fds), which Prometheus reads once per scrape interval; one second of staleness is invisible there, and it keeps
 * a burst of scrapes from each paying for /proc/self reads and ~80 series of formatting.
 */
export const RUNTIME_TTL_MS = 1000;

export interface BuildInfo {
  version: string;
  nodejsVersion: string;
  /** How stat files are read: `native` (the addon) or `node` (node:fs, the fallback when the addon isn't built). */
  walker: 'native' | 'node';
}

export type HostInfo = Record<'os' | 'distro' | 'release' | 'kernel' | 'arch' | 'nodename', string>;

/**
 * Counters that mirror a total kept elsewhere (the kernel's forks, PID 1's CPU time, the tracker's counts) are set
 * to that total rather than incremented: prom-client has no Counter.set, so reset the series and add the value.
 */
function setTotal(counter: Counter<string>, value: number, labels: Record<string, string> = {}): void {
  counter.remove(labels);
  counter.inc(labels, value);
}

export class ExporterMetrics {
  private readonly zombies: Gauge;
  private readonly leadersWithThreads: Gauge;
  private readonly byParent: Gauge<'parent_pid' | 'parent_comm'>;
  private readonly parents: Gauge;
  private readonly oldestAge: Gauge;
  private readonly parentOldestAge: Gauge<'parent_pid' | 'parent_comm'>;
  private readonly appeared: Counter;
  private readonly reaped: Counter;
  private readonly processes: Gauge<'state'>;
  private readonly pidsInUse: Gauge;
  private readonly visibleTasks: Gauge;
  private readonly pidMax: Gauge;
  private readonly threadsMax: Gauge;
  private readonly forks: Counter;
  private readonly initCpu: Counter<'mode'>;
  private readonly initInfo: Gauge<'comm'>;
  private readonly initSigchld: Gauge;
  private readonly hostInfo: Gauge<keyof HostInfo>;
  private readonly lastSample: Gauge;
  private readonly duration: Histogram;
  private readonly samples: Counter;
  private readonly sampleErrors: Counter<'source'>;
  private readonly skipped: Counter<'reason'>;
  private readonly parentInfo: Gauge<ParentInfoLabel>;
  private readonly byCgroup: Gauge<'cgroup'>;
  private readonly cgroups: Gauge;
  private readonly cgroupPids: Gauge<'cgroup'>;
  private readonly cgroupPidsMax: Gauge<'cgroup'>;
  private readonly cgroupPidsPeak: Gauge<'cgroup'>;
  private readonly cgroupRejected: Counter<'cgroup'>;
  private readonly skippedCgroups: Counter<'reason'>;
  private readonly procfsInfo: Gauge<'hidepid' | 'pid_namespace'>;
  private readonly registry: Registry;
  /** Families set only from samples (and start-up facts): rendered once per change, not per scrape. */
  private readonly sampledNames: string[];
  /** prom-client's process and Node.js families: they change between scrapes, so they render every RUNTIME_TTL_MS. */
  private readonly runtimeNames: string[];
  /** Bumped by every change to a sampled family; the cached text is valid for one version. */
  private version = 0;
  private sampledCache: { version: number; text: Promise<string> } | undefined;
  private runtimeCache: { atMs: number; text: Promise<string> } | undefined;
  private exposition: { version: number; runtimeAtMs: number; text: Promise<string> } | undefined;
  private readonly now: () => number;

  constructor(registry: Registry, build: BuildInfo, intervalSeconds: number, now: () => number = Date.now) {
    this.registry = registry;
    this.now = now;
    const registers = [registry];
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> =>
      new Gauge<L>({ name, help, labelNames, registers });
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
      new Counter<L>({ name, help, labelNames, registers });

    this.zombies = gauge('proctable_zombies', `Reapable zombie processes: leaders in state Z with no live threads. ${LAST}`);
    this.leadersWithThreads = gauge(
      'proctable_zombie_leaders_with_threads',
      `Thread-group leaders in state Z whose other threads still run (not reapable yet). ${LAST}`,
    );
    this.byParent = gauge(
      'proctable_zombies_by_parent',
      `Zombies per parent for the top parents and PID 1; parent_pid="other" sums the rest. ${LAST}`,
      ['parent_pid', 'parent_comm'],
    );
    this.parents = gauge('proctable_zombie_parents', `Distinct parents holding at least one zombie. ${LAST}`);
    this.oldestAge = gauge(
      'proctable_zombie_oldest_age_seconds',
      `Seconds since the exporter first saw the oldest zombie present; 0 when none. ${LAST}`,
    );
    this.parentOldestAge = gauge(
      'proctable_zombie_parent_oldest_age_seconds',
      `Seconds since the exporter first saw each parent's oldest zombie; same series as proctable_zombies_by_parent. ${LAST}`,
      ['parent_pid', 'parent_comm'],
    );
    this.appeared = counter('proctable_zombies_appeared_total', `Zombies first seen since the exporter started. ${LAST}`);
    this.reaped = counter('proctable_zombies_reaped_total', `Zombies seen and then gone since the exporter started. ${LAST}`);
    this.processes = gauge('proctable_processes', `Processes (thread-group leaders) by kernel state letter. ${LAST}`, ['state']);
    this.pidsInUse = gauge(
      'proctable_pids_in_use',
      `Tasks in the kernel from /proc/loadavg (threads and zombies included), each holding a PID. ${LAST}`,
    );
    this.visibleTasks = gauge(
      'proctable_visible_tasks',
      `Sum of num_threads over the processes the exporter can see; below pids_in_use under hidepid or a PID namespace. ${LAST}`,
    );
    this.pidMax = gauge('proctable_pid_max', `/proc/sys/kernel/pid_max: PIDs wrap at this value. ${LAST}`);
    this.threadsMax = gauge('proctable_threads_max', `/proc/sys/kernel/threads-max: the kernel's limit on tasks. ${LAST}`);
    this.forks = counter('proctable_forks_total', `Forks since boot (threads included) from /proc/stat. ${LAST}`);
    this.initCpu = counter('proctable_init_cpu_seconds_total', `CPU seconds used by PID 1, by mode. ${LAST}`, ['mode']);
    this.initInfo = gauge('proctable_init_info', `PID 1's comm, value 1. ${LAST}`, ['comm']);
    this.initSigchld = gauge(
      'proctable_init_sigchld_handled',
      `1 when PID 1 catches, ignores or blocks SIGCHLD; 0 when it leaves it at default and likely never reaps. ${LAST}`,
    );
    this.parentInfo = gauge(
      'proctable_zombie_parent_info',
      `Where each top zombie parent runs, value 1: its cgroup and the container, pod and systemd unit it names; join on parent_pid. ${LAST}`,
      ['parent_pid', 'parent_comm', 'cgroup', 'container_id', 'pod_uid', 'systemd_unit'],
    );
    this.byCgroup = gauge(
      'proctable_zombies_by_cgroup',
      `Zombies by their parent's cgroup for the cgroups holding the most; cgroup="other" sums the rest. ${LAST}`,
      ['cgroup'],
    );
    this.cgroups = gauge('proctable_cgroups', `Cgroups read in the pids hierarchy by the last walk. ${LAST}`);
    this.cgroupPids = gauge(
      'proctable_cgroup_pids',
      `pids.current: tasks in the cgroup and its descendants, for the cgroups closest to their limit and those that refused forks. ${LAST}`,
      ['cgroup'],
    );
    this.cgroupPidsMax = gauge('proctable_cgroup_pids_max', `pids.max: the cgroup's task limit; +Inf when it has none of its own. ${LAST}`, ['cgroup']);
    this.cgroupPidsPeak = gauge('proctable_cgroup_pids_peak', `pids.peak: the most tasks the cgroup has held since it was created. ${LAST}`, ['cgroup']);
    this.cgroupRejected = counter(
      'proctable_cgroup_pids_rejected_total',
      `Forks refused by the cgroup's pids limit (pids.events max) since the exporter started or the cgroup appeared. ${LAST}`,
      ['cgroup'],
    );

    gauge('zombie_exporter_build_info', 'Build information, value 1; walker is native or node (the slower fallback).', [
      'version',
      'nodejs_version',
      'walker',
    ]).set({ version: build.version, nodejs_version: build.nodejsVersion, walker: build.walker }, 1);
    this.hostInfo = gauge('zombie_exporter_host_info', 'Host facts read once at start-up, value 1.', [
      'os',
      'distro',
      'release',
      'kernel',
      'arch',
      'nodename',
    ]);
    gauge('zombie_exporter_sample_interval_seconds', 'Configured --sample.interval.').set(intervalSeconds);
    this.lastSample = gauge(
      'zombie_exporter_last_sample_timestamp_seconds',
      'Unix time the last published sample was taken; the proctable_* metrics are as of then.',
    );
    this.duration = new Histogram({
      name: 'zombie_exporter_sample_duration_seconds',
      help: 'Time to walk the proc root and read host facts, per successful sample.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.samples = counter('zombie_exporter_samples_total', 'Samples attempted.');
    this.sampleErrors = counter(
      'zombie_exporter_sample_errors_total',
      'Sources that could not be read, per sample; procfs_root, loadavg or pid_max failing fails the sample.',
      ['source'],
    );
    this.skipped = counter('zombie_exporter_skipped_pids_total', 'Pids skipped during walks, by reason.', ['reason']);
    this.skippedCgroups = counter('zombie_exporter_skipped_cgroups_total', 'Cgroups skipped during walks of the pids hierarchy, by reason.', ['reason']);
    this.procfsInfo = gauge(
      'zombie_exporter_procfs_info',
      "The proc root's hidepid mount option and whether it shows the host's PID namespace, value 1; read at start-up.",
      ['hidepid', 'pid_namespace'],
    );

    // Counters alerts rate() over must exist at 0 before the first increment.
    for (const source of SAMPLE_SOURCES) this.sampleErrors.inc({ source }, 0);
    for (const reason of SKIP_REASONS) this.skipped.inc({ reason }, 0);
    for (const reason of CGROUP_SKIP_REASONS) this.skippedCgroups.inc({ reason }, 0);
    this.samples.inc(0);

    this.sampledNames = registry.getMetricsAsArray().map((m) => m.name);
    // prom-client samples event-loop delay every 10 ms by default, which alone costs ~0.9% of a core on an idle host
    // (measured: 17 ticks in 20 s). The walk runs in a worker, so this loop has nothing that should block it; once a
    // second still shows a loop that stays blocked, and the exporter idles at 0.28% of a core instead of 0.45% (100 ms).
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
    for (const name of PROMTOOL_INVALID_DEFAULTS) registry.removeSingleMetric(name);
    const sampled = new Set(this.sampledNames);
    this.runtimeNames = registry.getMetricsAsArray().map((m) => m.name).filter((n) => !sampled.has(n));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The exposition, as registry.metrics() would render it, rendered only when something changed: the sampled
   * families once per sample, prom-client's runtime families (CPU, memory, heap, fds) at most once per
   * RUNTIME_TTL_MS. Between those, every scrape gets the same string, so fifty scrapers cost what one does.
   */
  render(): Promise<string> {
    const now = this.now();
    if (this.sampledCache?.version !== this.version) {
      this.sampledCache = { version: this.version, text: this.renderFamilies(this.sampledNames) };
    }
    if (this.runtimeCache === undefined || now - this.runtimeCache.atMs >= RUNTIME_TTL_MS || now < this.runtimeCache.atMs) {
      this.runtimeCache = { atMs: now, text: this.renderFamilies(this.runtimeNames) };
    }
    const { sampledCache, runtimeCache } = this;
    if (this.exposition?.version !== sampledCache.version || this.exposition.runtimeAtMs !== runtimeCache.atMs) {
      this.exposition = {
        version: sampledCache.version,
        runtimeAtMs: runtimeCache.atMs,
        text: Promise.all([sampledCache.text, runtimeCache.text]).then(([a, b]) => `${a}\n\n${b}\n`),
      };
    }
    return this.exposition.text;
  }

  private async renderFamilies(names: string[]): Promise<string> {
    const parts = await Promise.all(names.map((n) => this.registry.getSingleMetricAsString(n)));
    return parts.join('\n\n');
  }

  setHostInfo(info: HostInfo): void {
    this.version++;
    this.hostInfo.reset();
    this.hostInfo.set(info, 1);
  }

  setProcfsView(view: Pick<ProcfsView, 'hidepid' | 'pidNamespace'>): void {
    this.version++;
    this.procfsInfo.reset();
    this.procfsInfo.set({ hidepid: view.hidepid, pid_namespace: view.pidNamespace }, 1);
  }

  /** Records a sample that failed on an essential source; the previous sample's values stay. */
  recordFailure(source: SampleSource): void {
    this.version++;
    this.samples.inc();
    this.sampleErrors.inc({ source });
  }

  /** Sets every sampled metric from a published sample. */
  recordSample(s: Sample): void {
    this.version++;
    this.samples.inc();
    for (const e of s.sourceErrors) this.sampleErrors.inc({ source: e.source });
    for (const reason of SKIP_REASONS) if (s.skipped[reason] > 0) this.skipped.inc({ reason }, s.skipped[reason]);
    this.duration.observe(s.durationSeconds);
    this.lastSample.set(s.timestampMs / 1000);

    this.zombies.set(s.zombies);
    this.leadersWithThreads.set(s.zombieLeadersWithThreads);
    this.parents.set(s.zombieParents);
    this.oldestAge.set(s.oldestZombieAgeSeconds);
    this.byParent.reset();
    this.parentOldestAge.reset();
    for (const p of s.topParents) {
      const labels = { parent_pid: String(p.pid), parent_comm: p.comm };
      this.byParent.set(labels, p.zombies);
      this.parentOldestAge.set(labels, p.oldestAgeSeconds);
    }
    const other = { parent_pid: OTHER_PARENT, parent_comm: '' };
    this.byParent.set(other, s.other.zombies);
    this.parentOldestAge.set(other, s.other.oldestAgeSeconds);
    setTotal(this.appeared, s.zombiesAppearedTotal);
    setTotal(this.reaped, s.zombiesReapedTotal);

    this.processes.reset();
    for (const [state, n] of Object.entries(s.processesByState)) this.processes.set({ state }, n);
    this.pidsInUse.set(s.pidsInUse);
    this.visibleTasks.set(s.visibleTasks);
    this.pidMax.set(s.pidMax);
    // An unknown fact is an absent series, not a 0: reset() would leave an unlabeled metric at 0, remove() drops it.
    if (s.threadsMax === null) this.threadsMax.remove();
    else this.threadsMax.set(s.threadsMax);
    if (s.forksTotal === null) this.forks.remove();
    else setTotal(this.forks, s.forksTotal);

    this.recordCgroups(s);

    this.initCpu.reset();
    this.initInfo.reset();
    this.initSigchld.remove();
    if (s.init !== null) {
      this.initCpu.inc({ mode: 'user' }, s.init.userSeconds);
      this.initCpu.inc({ mode: 'system' }, s.init.systemSeconds);
      this.initInfo.set({ comm: s.init.comm }, 1);
      if (s.init.sigchldHandled !== null) this.initSigchld.set(s.init.sigchldHandled ? 1 : 0);
    }
  }

  /**
   * The cgroup families. Labels are capped in length (cgroupLabel); two paths that only differ before the cap
   * would share a label, so for zombies the counts add up and for pids the higher-ranked cgroup keeps it.
   */
  private recordCgroups(s: Sample): void {
    this.parentInfo.reset();
    for (const p of s.topParents) {
      if (p.zombies === 0) continue;
      this.parentInfo.set(
        {
          parent_pid: String(p.pid),
          parent_comm: p.comm,
          cgroup: p.cgroup == null ? '' : cgroupLabel(p.cgroup),
          container_id: p.containerId ?? '',
          pod_uid: p.podUid ?? '',
          systemd_unit: p.systemdUnit ?? '',
        },
        1,
      );
    }

    const zombies = new Map<string, number>();
    for (const c of s.zombiesByCgroup) {
      const label = cgroupLabel(c.cgroup);
      zombies.set(label, (zombies.get(label) ?? 0) + c.zombies);
    }
    this.byCgroup.reset();
    for (const [cgroup, n] of zombies) this.byCgroup.set({ cgroup }, n);
    this.byCgroup.set({ cgroup: OTHER_CGROUP }, s.zombiesInOtherCgroups);

    this.cgroupPids.reset();
    this.cgroupPidsMax.reset();
    this.cgroupPidsPeak.reset();
    this.cgroupRejected.reset();
    const pressure = s.cgroupPressure;
    if (pressure === null) {
      this.cgroups.remove();
      return;
    }
    this.cgroups.set(pressure.cgroups);
    for (const reason of CGROUP_SKIP_REASONS) if (pressure.skipped[reason] > 0) this.skippedCgroups.inc({ reason }, pressure.skipped[reason]);
    const seen = new Set<string>();
    for (const c of pressure.selected) {
      const cgroup = cgroupLabel(c.path);
      if (seen.has(cgroup)) continue;
      seen.add(cgroup);
      this.cgroupPids.set({ cgroup }, c.current);
      this.cgroupPidsMax.set({ cgroup }, c.max);
      if (c.peak !== null) this.cgroupPidsPeak.set({ cgroup }, c.peak);
      if (c.rejected !== null) this.cgroupRejected.inc({ cgroup }, c.rejected);
    }
  }
}
