// The Sample (and the exporter's own facts) as the series of each family: a pure projection, computed when a scrape
// needs it, so a sample nobody scrapes costs the thread that serves scrapes nothing.

import type { ProcRootView, Sample } from '../sample/sample.js';
import { cgroupLabel } from './cgroup-label.js';
import type { FamilyKey } from './families.js';
import type { HostInfo } from './host-info.js';
import type { SampleCounts } from './sample-counts.js';

/** Label value for the bucket that sums every parent outside the top N. */
export const OTHER_PARENT = 'other';
/** Label value for the bucket that sums every cgroup outside the top N (a real cgroup path starts with `/`). */
export const OTHER_CGROUP = 'other';

export interface BuildInfo {
  version: string;
  /** The git revision and branch the build was made from (runtime/build-facts.ts); 'unknown' when not stamped. */
  revision: string;
  branch: string;
  nodejsVersion: string;
  /** process.platform and process.arch: what the build runs on, as Go exporters' goos and goarch say. */
  os: string;
  arch: string;
  /** How stat files are read: `native` (the addon) or `node` (node:fs, the fallback when the addon isn't built). */
  walker: 'native' | 'node';
}

/** Everything the families are a projection of. */
export interface SeriesInputs {
  /** The latest published sample; undefined until the first. */
  sample: Sample | undefined;
  counts: SampleCounts;
  build: BuildInfo;
  intervalSeconds: number;
  hostInfo: HostInfo | undefined;
  procfsView: ProcRootView | undefined;
  /** How samples find zombies, decided at start-up; undefined where nothing decided it (a one-shot inspect). */
  sampleMode?: 'walk' | 'events';
}

export interface Series {
  labels: Record<string, string>;
  value: number;
}

/**
 * Series per family. A family missing here, or without series, shows only its HELP and TYPE: an unknown fact is an
 * absent series, not a 0 that an alert would read as real.
 */
export type FamilySeries = Partial<Record<Exclude<FamilyKey, 'sampleDuration' | 'scrapesRefused'>, Series[]>>;

const one = (value: number): Series[] => [{ labels: {}, value }];
/** An unknown fact is an absent series, not a 0. */
const known = (value: number | null | undefined): Series[] => (value === null || value === undefined ? [] : one(value));
const each = <K extends string>(label: string, counts: Record<K, number>): Series[] =>
  Object.entries<number>(counts).map(([key, value]) => ({ labels: { [label]: key }, value }));

export function sampleSeries(inputs: SeriesInputs): FamilySeries {
  const { sample: s, counts, build } = inputs;
  return {
    ...sampledSeries(s),
    buildInfo: [
      {
        labels: {
          version: build.version,
          revision: build.revision,
          branch: build.branch,
          nodejs_version: build.nodejsVersion,
          os: build.os,
          arch: build.arch,
          walker: build.walker,
        },
        value: 1,
      },
    ],
    hostInfo: inputs.hostInfo === undefined ? [] : [{ labels: { ...inputs.hostInfo }, value: 1 }],
    sampleInterval: one(inputs.intervalSeconds),
    lastSampleTimestamp: known(s && s.timestampMs / 1000),
    samples: one(counts.attempted),
    sampleErrors: each('source', counts.errors),
    skippedPids: each('reason', counts.skippedPids),
    zombieExitTimes: each('source', counts.exitTimes),
    skippedCgroups: each('reason', counts.skippedCgroups),
    sampleMode: inputs.sampleMode === undefined ? [] : [{ labels: { mode: inputs.sampleMode }, value: 1 }],
    ...(inputs.sampleMode === 'events' && {
      fullWalks: each('reason', counts.fullWalks),
      procEvents: each('type', counts.procEvents),
      procEventsLost: one(counts.procEventsLost),
      procEventsOverflows: one(counts.procEventsOverflows),
    }),
    procfsInfo:
      inputs.procfsView === undefined
        ? []
        : [{ labels: { hidepid: inputs.procfsView.hidepid, pid_namespace: inputs.procfsView.pidNamespace }, value: 1 }],
  };
}

/** One series per disposition that holds; `default` alone when none does. */
function dispositions(d: { ignored: boolean; caught: boolean; blocked: boolean }): Series[] {
  const held = (['ignored', 'caught', 'blocked'] as const).filter((k) => d[k]);
  return (held.length > 0 ? held : ['default']).map((disposition) => ({ labels: { disposition }, value: 1 }));
}

function sampledSeries(s: Sample | undefined): FamilySeries {
  if (s === undefined) return {};
  const parents = s.topParents.map((p) => ({ pid: String(p.pid), comm: p.comm, p }));
  const other = { parent_pid: OTHER_PARENT, parent_comm: '' };
  return {
    sampleStatFiles: one(s.collection.statFiles),
    zombies: one(s.zombies),
    zombieLeadersWithThreads: one(s.zombieLeadersWithThreads),
    zombiesByParent: [
      ...parents.map(({ pid, comm, p }) => ({ labels: { parent_pid: pid, parent_comm: comm }, value: p.zombies })),
      { labels: other, value: s.other.zombies },
    ],
    zombieParents: one(s.zombieParents),
    zombieOldestAge: one(s.oldestZombieAgeSeconds),
    zombieParentHeld: [
      ...parents.map(({ pid, comm, p }) => ({ labels: { parent_pid: pid, parent_comm: comm }, value: p.heldSeconds })),
      { labels: other, value: s.other.heldSeconds },
    ],
    zombieParentNewestAge: [
      ...parents.map(({ pid, comm, p }) => ({
        labels: { parent_pid: pid, parent_comm: comm },
        value: p.newestAgeSeconds,
      })),
      { labels: other, value: s.other.newestAgeSeconds },
    ],
    zombieParentOldestStarted: parents.flatMap(({ pid, comm, p }) =>
      p.zombies > 0 && p.oldestStartedSecondsAgo != null
        ? [{ labels: { parent_pid: pid, parent_comm: comm }, value: p.oldestStartedSecondsAgo }]
        : [],
    ),
    zombiesByParentComm: [
      ...s.zombiesByComm.map((c) => ({ labels: { parent_comm: c.comm, other: 'false' }, value: c.zombies })),
      { labels: { parent_comm: '', other: 'true' }, value: s.zombiesInOtherComms },
    ],
    zombieParentOldestAge: [
      ...parents.map(({ pid, comm, p }) => ({
        labels: { parent_pid: pid, parent_comm: comm },
        value: p.oldestAgeSeconds,
      })),
      { labels: other, value: s.other.oldestAgeSeconds },
    ],
    zombiesAppeared: one(s.zombiesAppearedTotal),
    zombiesReaped: one(s.zombiesReapedTotal),
    zombiesReparented: one(s.zombiesReparentedTotal),
    processes: each('state', s.processesByState),
    // Absent, not 0, when the file each needs was unreadable (Sample.pidUsageUnknown): a 0 limit or 0 PIDs in use
    // would read as exhaustion or as an idle host.
    pidsInUse: known(s.pidsInUse),
    pidLimit:
      s.pidLimit === null || s.pidLimitedBy === null
        ? []
        : [{ labels: { limited_by: s.pidLimitedBy }, value: s.pidLimit }],
    kernelTasks: known(s.kernelTasks),
    visibleTasks: one(s.visibleTasks),
    pidMax: known(s.pidMax),
    threadsMax: known(s.threadsMax),
    forks: known(s.forksTotal),
    initCpu:
      s.init === null
        ? []
        : [
            { labels: { mode: 'user' }, value: s.init.userSeconds },
            { labels: { mode: 'system' }, value: s.init.systemSeconds },
          ],
    initInfo: s.init === null ? [] : [{ labels: { comm: s.init.comm }, value: 1 }],
    initSigchld: s.init?.sigchld == null ? [] : dispositions(s.init.sigchld),
    ...cgroupSeries(s),
  };
}

/**
 * The cgroup families. Labels are capped in length (cgroupLabel); two paths that only differ before the cap share a
 * label, so for zombies the counts add up and for pids the higher-ranked cgroup keeps it.
 */
function cgroupSeries(s: Sample): FamilySeries {
  const zombieParentInfo = s.topParents
    .filter((p) => p.zombies > 0)
    .map((p) => ({
      labels: {
        parent_pid: String(p.pid),
        parent_comm: p.comm,
        cgroup: p.cgroup == null ? '' : cgroupLabel(p.cgroup),
        container_id: p.containerId ?? '',
        pod_uid: p.podUid ?? '',
        systemd_unit: p.systemdUnit ?? '',
        namespace_init: p.namespaceInit === true ? 'true' : 'false',
      },
      value: 1,
    }));

  const zombies = new Map<string, number>();
  for (const c of s.zombiesByCgroup) {
    const label = cgroupLabel(c.cgroup);
    zombies.set(label, (zombies.get(label) ?? 0) + c.zombies);
  }
  const zombiesByCgroup = [...zombies].map(([cgroup, value]) => ({ labels: { cgroup }, value }));
  zombiesByCgroup.push({ labels: { cgroup: OTHER_CGROUP }, value: s.zombiesInOtherCgroups });

  const pids: Series[] = [];
  const max: Series[] = [];
  const peak: Series[] = [];
  const rejected: Series[] = [];
  const seen = new Set<string>();
  for (const c of s.cgroupPids?.selected ?? []) {
    const labels = { cgroup: cgroupLabel(c.path) };
    if (seen.has(labels.cgroup)) continue;
    seen.add(labels.cgroup);
    pids.push({ labels, value: c.current });
    max.push({ labels, value: c.max });
    if (c.peak !== null) peak.push({ labels, value: c.peak });
    if (c.rejected !== null) rejected.push({ labels, value: c.rejected });
  }
  return {
    zombieParentInfo,
    zombiesByCgroup,
    cgroups: known(s.cgroupPids?.cgroups),
    cgroupPids: pids,
    cgroupPidsMax: max,
    cgroupPidsPeak: peak,
    cgroupPidsRejected: rejected,
  };
}
