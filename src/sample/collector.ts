// Turns the host facts plus one walk of the proc root into a Sample; holds the state that spans samples.

import { performance } from 'node:perf_hooks';
import { readHostFacts, SourceFailure } from '../procfs/host-facts.js';
import { describeCgroupPath } from '../procfs/parse-cgroup-path.js';
import { decodeComm, emptyStatFields, parseStatInto, type StatFields } from '../procfs/parse-stat.js';
import type { ProcReader } from '../procfs/reader.js';
import { ProcessWalker, STAT_BUFFER_BYTES } from '../procfs/walk.js';
import { MAX_CGROUPS } from '../sysfs/cgroup-walk.js';
import type { SysfsReader } from '../sysfs/reader.js';
import { CgroupPressureCollector } from './cgroup-pressure.js';
import { ParentCgroups } from './parent-cgroups.js';
import { createParentDetailsReader } from './parent-details.js';
import { CgroupPathResolver } from './resolve-cgroup-path.js';
import { topN } from './top-n.js';
import { zombiesByCgroup } from './zombies-by-cgroup.js';
import { ZombieTracker } from './zombie-tracker.js';
import { ALWAYS_EXPORTED_STATES, ZOMBIE_PIDS_PER_PARENT, type InitProcess, type Sample, type ZombieParent } from './sample.js';

/**
 * Clock ticks per second in stat's time fields. The kernel converts to USER_HZ for userspace (clock_t), and USER_HZ
 * is 100 on every architecture Linux supports, whatever CONFIG_HZ is; sysconf(_SC_CLK_TCK) returns the same 100.
 */
export const USER_HZ = 100;

export interface CollectorOptions {
  reader: ProcReader;
  /** How many parents get their own series (--zombies.top-parents); PID 1 is always added. */
  topParents: number;
  /** The sysfs root holding the cgroup hierarchies (--path.sysfs); without it, no cgroup walk. */
  sysfs?: SysfsReader;
  /**
   * --cgroups.top: cgroups closest to their PID limit (and the cap on those that refused forks), and cgroups with
   * the most zombies, that get their own series. 0 (the default here) turns the cgroup walk and per-cgroup zombie
   * counts off.
   */
  cgroupsTop?: number;
  /** Wall clock in ms; injectable so tests can age zombies without waiting. */
  now?: () => number;
}

export interface Collector {
  /** Reads and returns a Sample; throws SourceFailure when an essential source can't be read. */
  collect(): Sample;
  /** How stat files are read: `native` (the addon, one call per ~900 files) or `node` (node:fs, three per file). */
  readonly walkMethod: 'native' | 'node';
}

/** Per-parent accumulation during a walk. */
interface ParentAcc {
  pid: number;
  zombies: number;
  oldestFirstSeenMs: number;
}

interface SeenZombie {
  pid: number;
  ppid: number;
  startTimeTicks: number;
  firstSeenMs: number;
}

/** What a top parent's stat says when read again after the walk. */
interface ParentStat {
  comm: string;
  state: string;
  /** With the pid, which process this is: details cached for a pid are for this start time only. */
  startTimeTicks: number;
}

/** Ranks parents: most zombies first, then the oldest zombie, then the lower pid, so output is deterministic. */
const ranksBefore = (a: ParentAcc, b: ParentAcc): boolean =>
  a.zombies !== b.zombies
    ? a.zombies > b.zombies
    : a.oldestFirstSeenMs !== b.oldestFirstSeenMs
      ? a.oldestFirstSeenMs < b.oldestFirstSeenMs
      : a.pid < b.pid;

/**
 * A failure of the proc root itself, or undefined while it can still be listed. Messages name files relative to
 * the root and never the root's path, since they reach /healthz.
 */
function rootGone(reader: ProcReader): SourceFailure | undefined {
  try {
    reader.listPids();
    return undefined;
  } catch (err) {
    return new SourceFailure('procfs_root', `list the proc root: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export function createCollector(options: CollectorOptions): Collector {
  const { reader, topParents } = options;
  const now = options.now ?? Date.now;
  const tracker = new ZombieTracker();
  const walker = new ProcessWalker(reader);
  const buf = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  const fields = emptyStatFields();
  // Counts by state letter, indexed by its char code: no string keys on the per-process path.
  const stateCounts = new Uint32Array(128);
  const cgroupsTop = options.cgroupsTop ?? 0;
  const parentCgroups = new ParentCgroups(reader);
  const details = createParentDetailsReader(reader, parentCgroups);
  // Twice the walk's bound: room for every cgroup of a walk cut short, and as many again it did not reach.
  const pressure = options.sysfs && cgroupsTop > 0 ? new CgroupPressureCollector(options.sysfs, cgroupsTop, 2 * MAX_CGROUPS) : undefined;
  let firstSampleMs: number | undefined;

  /**
   * A top parent's comm and state, read again after the walk: decoding every process's comm in case it turns out
   * to be a parent costs more than these few extra reads. Undefined when the parent can't be read (hidepid, another
   * PID namespace, or it just exited).
   */
  const readParentStat = (pid: number): ParentStat | undefined => {
    if (pid <= 0) return undefined;
    try {
      const n = reader.readPidFile(pid, 'stat', buf);
      if (n >= buf.length || parseStatInto(buf, 0, n, fields) !== null) return undefined;
      return { comm: decodeComm(buf, fields), state: fields.state, startTimeTicks: fields.startTimeTicks };
    } catch {
      return undefined;
    }
  };

  return {
    walkMethod: walker.method,
    collect(): Sample {
      const started = performance.now();
      const timestampMs = now();
      // Host facts first: when an essential one fails, no walk is wasted and the first-seen table is untouched.
      let facts;
      try {
        facts = readHostFacts(reader);
      } catch (err) {
        // loadavg missing is what a proc root that went away (unmounted, removed, renamed) looks like first: say so.
        throw rootGone(reader) ?? err;
      }

      stateCounts.fill(0);
      let visibleTasks = 0;
      let zombieLeadersWithThreads = 0;
      // PID 1's stat, caught in passing; a holder object because the visitor closure assigns it.
      const seen: { init: (Omit<InitProcess, 'sigchldHandled'> & ParentStat) | null } = { init: null };
      const zombies: SeenZombie[] = [];
      const parents = new Map<number, ParentAcc>();

      const visit = (f: StatFields, b: Buffer): void => {
        stateCounts[f.state.charCodeAt(0)]!++;
        visibleTasks += f.numThreads;
        if (f.pid === 1) {
          seen.init = {
            comm: decodeComm(b, f),
            state: f.state,
            startTimeTicks: f.startTimeTicks,
            userSeconds: f.utimeTicks / USER_HZ,
            systemSeconds: f.stimeTicks / USER_HZ,
          };
        }
        if (f.state !== 'Z') return;
        if (f.numThreads > 1) {
          zombieLeadersWithThreads++;
          return;
        }
        const firstSeenMs = tracker.observe(f.pid, f.startTimeTicks, timestampMs);
        zombies.push({ pid: f.pid, ppid: f.ppid, startTimeTicks: f.startTimeTicks, firstSeenMs });
        const acc = parents.get(f.ppid);
        if (acc === undefined) parents.set(f.ppid, { pid: f.ppid, zombies: 1, oldestFirstSeenMs: firstSeenMs });
        else {
          acc.zombies++;
          if (firstSeenMs < acc.oldestFirstSeenMs) acc.oldestFirstSeenMs = firstSeenMs;
        }
      };
      let walk;
      try {
        walk = walker.walk(visit);
      } catch (err) {
        throw new SourceFailure('procfs_root', `list the proc root: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      tracker.sweep();

      // The cgroup walk never fails the sample: a missing hierarchy is a source error and empty cgroup metrics.
      const cgroups = pressure?.collect(timestampMs);
      const sourceErrors = [...facts.errors];
      if (cgroups?.error !== undefined) sourceErrors.push({ source: 'cgroups', message: cgroups.error });
      const resolver = new CgroupPathResolver(cgroups?.paths ?? []);
      const cgroupOf = (pid: number): string | null => {
        const path = parentCgroups.of(pid, timestampMs);
        return path === null ? null : resolver.resolve(path);
      };
      const byCgroup = zombiesByCgroup(parents.values(), cgroupOf, cgroupsTop);

      const ageSeconds = (firstSeenMs: number): number => Math.max(0, (timestampMs - firstSeenMs) / 1000);
      const top = topN(parents.values(), topParents, ranksBefore);
      if (!top.some((p) => p.pid === 1)) top.push(parents.get(1) ?? { pid: 1, zombies: 0, oldestFirstSeenMs: timestampMs });
      const topPids = new Set(top.map((p) => p.pid));

      // Zombie pids per top parent, oldest first, capped, and the earliest start among them; one pass.
      const pidsByParent = new Map<number, SeenZombie[]>();
      const oldestStartTicks = new Map<number, number>();
      for (const z of zombies) {
        if (!topPids.has(z.ppid)) continue;
        const start = oldestStartTicks.get(z.ppid);
        if (start === undefined || z.startTimeTicks < start) oldestStartTicks.set(z.ppid, z.startTimeTicks);
        let list = pidsByParent.get(z.ppid);
        if (list === undefined) pidsByParent.set(z.ppid, (list = []));
        list.push(z);
      }

      // Owner and cgroup of each leaking top parent (cached per parent), so the page, the snapshot and inspect can
      // name who to talk to; uptime is read once, and only when some parent leaks.
      let uptime: number | null | undefined;
      const describe = (acc: ParentAcc, stat: ParentStat | undefined): Partial<ZombieParent> => {
        if (acc.zombies === 0) return {};
        uptime ??= details.uptimeSeconds();
        const startTicks = oldestStartTicks.get(acc.pid);
        const owner = stat ? details.describe(acc.pid, stat.startTimeTicks, timestampMs) : { uid: null, user: null, cgroup: null };
        const cgroup = owner.cgroup === null ? null : resolver.resolve(owner.cgroup);
        const origin = cgroup === null ? { containerId: null, podUid: null, systemdUnit: null } : describeCgroupPath(cgroup);
        return {
          state: stat?.state ?? null,
          ...owner,
          cgroup,
          ...origin,
          // Both clocks tick in hundredths of a second (USER_HZ), so more decimals would be noise.
          oldestStartedSecondsAgo:
            uptime === null || startTicks === undefined ? null : Math.max(0, Math.round(100 * uptime - startTicks) / 100),
        };
      };
      const topParentsOut: ZombieParent[] = top.map((acc) => {
        const stat = acc.pid === 1 ? (seen.init ?? undefined) : readParentStat(acc.pid);
        return {
          pid: acc.pid,
          comm: stat?.comm ?? '',
          zombies: acc.zombies,
          oldestAgeSeconds: acc.zombies > 0 ? ageSeconds(acc.oldestFirstSeenMs) : 0,
          zombiePids: (pidsByParent.get(acc.pid) ?? [])
            .sort((a, b) => a.firstSeenMs - b.firstSeenMs || a.pid - b.pid)
            .slice(0, ZOMBIE_PIDS_PER_PARENT)
            .map((z) => z.pid),
          ...describe(acc, stat),
        };
      });

      details.endSample();
      parentCgroups.endSample();

      const other = { parents: 0, zombies: 0, oldestAgeSeconds: 0 };
      let oldestFirstSeenMs = Infinity;
      for (const acc of parents.values()) {
        if (acc.oldestFirstSeenMs < oldestFirstSeenMs) oldestFirstSeenMs = acc.oldestFirstSeenMs;
        if (topPids.has(acc.pid)) continue;
        other.parents++;
        other.zombies += acc.zombies;
        other.oldestAgeSeconds = Math.max(other.oldestAgeSeconds, ageSeconds(acc.oldestFirstSeenMs));
      }

      const processesByState: Record<string, number> = {};
      for (const s of ALWAYS_EXPORTED_STATES) processesByState[s] = 0;
      stateCounts.forEach((n, code) => {
        if (n > 0) processesByState[String.fromCharCode(code)] = n;
      });

      firstSampleMs ??= timestampMs;
      return {
        timestampMs,
        firstSampleMs,
        durationSeconds: (performance.now() - started) / 1000,
        processes: walk.processes,
        processesByState,
        zombies: zombies.length,
        zombieLeadersWithThreads,
        zombieParents: parents.size,
        oldestZombieAgeSeconds: zombies.length > 0 ? ageSeconds(oldestFirstSeenMs) : 0,
        topParents: topParentsOut,
        other,
        zombiesAppearedTotal: tracker.appearedTotal,
        zombiesReapedTotal: tracker.reapedTotal,
        pidsInUse: facts.pidsInUse,
        visibleTasks,
        pidMax: facts.pidMax,
        threadsMax: facts.threadsMax,
        forksTotal: facts.forksTotal,
        init:
          seen.init === null
            ? null
            : {
                comm: seen.init.comm,
                userSeconds: seen.init.userSeconds,
                systemSeconds: seen.init.systemSeconds,
                sigchldHandled: facts.initSigchldHandled,
              },
        skipped: walk.skipped,
        skipDetails: walk.skipDetails,
        sourceErrors,
        cgroupPressure: cgroups?.pressure ?? null,
        zombiesByCgroup: byCgroup.top,
        zombiesInOtherCgroups: byCgroup.other,
      };
    },
  };
}
