// Takes one Sample: the host files, one walk of the proc root, the cgroup walk, then the top parents; holds what
// spans samples (the first-seen table, the parent cache, the cgroups' fork counts).

import { performance } from 'node:perf_hooks';
import { errnoText } from '../errors.js';
import { readHostFiles } from '../procfs/host-files.js';
import type { ProcReader } from '../procfs/reader.js';
import { ProcessWalker, type WalkResult } from '../procfs/walk.js';
import { MAX_CGROUPS } from '../sysfs/cgroup-walk.js';
import type { SysfsReader } from '../sysfs/reader.js';
import { CgroupPidsSelector } from './cgroup-pids.js';
import { decideHostFacts, type HostFacts } from './host-facts.js';
import { ParentFacts } from './parent-facts.js';
import { CgroupPathResolver } from './resolve-cgroup-path.js';
import { SourceFailure, type Sample, type SkipDetail, type SkipReason } from './sample.js';
import { TopParentsSelector } from './top-parents.js';
import { WalkTally } from './walk-tally.js';
import { ZombieTracker } from './zombie-tracker.js';
import { zombiesByCgroup } from './zombies-by-cgroup.js';

export interface SampleTakerOptions {
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

export interface SampleTaker {
  /** Reads and returns a Sample; throws SourceFailure when a source it can't do without can't be read. */
  take(): Sample;
  /** How stat files are read: `native` (the addon, one call per batch of files) or `node` (node:fs, three per file). */
  readonly walkMethod: 'native' | 'node';
}

export function createSampleTaker(options: SampleTakerOptions): SampleTaker {
  const { reader } = options;
  const now = options.now ?? Date.now;
  const cgroupsTop = options.cgroupsTop ?? 0;
  const tracker = new ZombieTracker();
  const walker = new ProcessWalker(reader);
  const tally = new WalkTally(tracker);
  const facts = new ParentFacts(reader);
  const topParents = new TopParentsSelector(reader, facts, options.topParents);
  // Twice the walk's bound: room for every cgroup of a walk cut short, and as many again it did not reach.
  const cgroups =
    options.sysfs && cgroupsTop > 0 ? new CgroupPidsSelector(options.sysfs, cgroupsTop, 2 * MAX_CGROUPS) : undefined;
  let firstSampleMs: number | undefined;

  return {
    walkMethod: walker.method,
    take(): Sample {
      const started = performance.now();
      const timestampMs = now();
      // Host facts first: when one the sample needs fails, no walk is wasted and the first-seen table is untouched.
      const host = hostFactsOrFail(reader);
      tally.begin(timestampMs);
      const walk = walkOrFail(walker, tally);
      tracker.sweep();

      // The cgroup walk never fails the sample: a missing hierarchy is a source error and empty cgroup metrics.
      const cg = cgroups?.select(timestampMs);
      const sourceErrors = [...host.errors];
      if (cg?.error !== undefined) sourceErrors.push({ source: 'cgroups', message: cg.error });
      const resolver = new CgroupPathResolver(cg?.paths ?? []);
      const cgroupOf = (pid: number): string | null => {
        const path = facts.cgroupOf(pid, timestampMs);
        return path === null ? null : resolver.resolve(path);
      };
      const byCgroup = zombiesByCgroup(tally.parents.values(), cgroupOf, cgroupsTop);
      const parents = topParents.select(tally, timestampMs, resolver);
      facts.endSample();

      firstSampleMs ??= timestampMs;
      return {
        timestampMs,
        firstSampleMs,
        durationSeconds: (performance.now() - started) / 1000,
        processes: walk.processes,
        processesByState: tally.processesByState(),
        zombies: tally.zombies.length,
        zombieLeadersWithThreads: tally.zombieLeadersWithThreads,
        zombieParents: tally.parents.size,
        oldestZombieAgeSeconds: parents.oldestZombieAgeSeconds,
        topParents: parents.top,
        other: parents.other,
        zombiesAppearedTotal: tracker.appearedTotal,
        zombiesReapedTotal: tracker.reapedTotal,
        pidsInUse: host.pidsInUse,
        visibleTasks: tally.visibleTasks,
        pidMax: host.pidMax,
        threadsMax: host.threadsMax,
        forksTotal: host.forksTotal,
        init:
          tally.init === null
            ? null
            : {
                comm: tally.init.comm,
                userSeconds: tally.init.userSeconds,
                systemSeconds: tally.init.systemSeconds,
                sigchldHandled: host.initSigchldHandled,
              },
        skipped: sampleSkips(walk.skipped),
        skipDetails: walk.skipDetails.map((d): SkipDetail => ({ pid: d.pid, reason: d.reason, detail: d.detail })),
        sourceErrors,
        cgroupPids: cg?.pids ?? null,
        zombiesByCgroup: byCgroup.top,
        zombiesInOtherCgroups: byCgroup.other,
      };
    },
  };
}

/**
 * The host facts, or the SourceFailure that stops the sample. A missing loadavg is what a proc root that went away
 * (unmounted, removed, renamed) looks like first, so the root is tried too and named when it is the cause. Messages
 * name files relative to the root and never the root's path, since they reach /healthz.
 */
function hostFactsOrFail(reader: ProcReader): HostFacts {
  try {
    return decideHostFacts(readHostFiles(reader));
  } catch (err) {
    try {
      reader.listPids();
    } catch (listErr) {
      throw new SourceFailure('procfs_root', `list the proc root: ${errnoText(listErr)}`);
    }
    throw err;
  }
}

function walkOrFail(walker: ProcessWalker, tally: WalkTally): WalkResult {
  try {
    return walker.walk(tally.visit);
  } catch (err) {
    throw new SourceFailure('procfs_root', `list the proc root: ${errnoText(err)}`);
  }
}

/** The walk's skip counts in the Sample's words: a reason the walker renames has to be mapped here, not in the JSON. */
function sampleSkips(w: WalkResult['skipped']): Record<SkipReason, number> {
  return { vanished: w.vanished, permission: w.permission, malformed: w.malformed, io_error: w.io_error };
}
