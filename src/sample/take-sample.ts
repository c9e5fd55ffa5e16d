// Takes one Sample: the host files and this thread's scheduler clock, one walk of the proc root, the cgroup walk,
// then the top parents and the PID frame; holds what spans samples (the zombie table, the parent cache, the
// cgroups' fork counts, the exit clock's calibration).

import { performance } from 'node:perf_hooks';
import { errnoText } from '../errors.js';
import { readHostFiles, readThreadClock } from '../procfs/host-files.js';
import type { ProcReader } from '../procfs/reader.js';
import { ProcessWalker, type WalkResult } from '../procfs/walk.js';
import { MAX_CGROUPS } from '../sysfs/cgroup-walk.js';
import type { SysfsReader } from '../sysfs/reader.js';
import { CgroupPidsSelector } from './cgroup-pids.js';
import { ExitClock } from './exit-clock.js';
import type { ExitEvents, FullWalkReason } from './exit-events.js';
import { readFrameCgroups } from './frame-cgroup.js';
import { decideHostFacts, notAProcRoot } from './host-facts.js';
import { ParentFacts } from './parent-facts.js';
import { pidFrame } from './pid-frame.js';
import { CgroupPathResolver } from './resolve-cgroup-path.js';
import { SourceFailure, type Sample, type SkipDetail, type SkipReason } from './sample.js';
import { TopParentsSelector } from './top-parents.js';
import { WalkTally } from './walk-tally.js';
import { ZombieTracker } from './zombie-tracker.js';
import { zombiesByCgroup } from './zombies-by-cgroup.js';
import { zombiesByComm } from './zombies-by-comm.js';

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
  /**
   * Whose PID namespace the proc root shows (procfs-view.ts, read once at start-up): 'container' puts PID usage in
   * that namespace's frame (pid-frame.ts). Default 'host'.
   */
  pidNamespace?: 'host' | 'container' | 'unknown';
  /** Wall clock in ms; injectable so tests can age zombies without waiting. */
  now?: () => number;
  /**
   * Event mode: the proc connector's exits. A sample then reads the stat files of the processes that exited and of
   * the zombies it knows, plus PID 1; it walks everything at the first sample, after lost events, and every
   * fullWalkIntervalMs (for the counts by state, which events can't give).
   */
  events?: ExitEvents;
  fullWalkIntervalMs?: number;
}

export interface SampleTaker {
  /** Reads and returns a Sample; throws SourceFailure (procfs_root) when the proc root can't be listed or is none. */
  take(): Sample;
  /** How stat files are read: `native` (the addon, one call per batch of files) or `node` (node:fs, three per file). */
  readonly walkMethod: 'native' | 'node';
}

/** What a full walk counts that event mode carries to the samples after it. */
interface WalkCounts {
  processes: number;
  processesByState: Record<string, number>;
  visibleTasks: number;
}

export function createSampleTaker(options: SampleTakerOptions): SampleTaker {
  const { reader } = options;
  const now = options.now ?? Date.now;
  const cgroupsTop = options.cgroupsTop ?? 0;
  const pidNamespace = options.pidNamespace ?? 'host';
  const tracker = new ZombieTracker();
  const walker = new ProcessWalker(reader);
  const exitClock = new ExitClock();
  const tally = new WalkTally(tracker, reader, exitClock);
  const facts = new ParentFacts(reader);
  const topParents = new TopParentsSelector(reader, facts, options.topParents);
  // Twice the walk's bound: room for every cgroup of a walk cut short, and as many again it did not reach.
  const cgroups =
    options.sysfs && cgroupsTop > 0 ? new CgroupPidsSelector(options.sysfs, cgroupsTop, 2 * MAX_CGROUPS) : undefined;
  let firstSampleMs: number | undefined;
  let lastZombieLeaders: number[] = [];
  const events = options.events;
  const fullWalkIntervalMs = options.fullWalkIntervalMs ?? 60_000;
  let lastFull: (WalkCounts & { atMs: number }) | undefined;
  const fullWalkReason = (nowMs: number): FullWalkReason | null =>
    lastFull === undefined
      ? 'start'
      : events?.lost
        ? 'lost_events'
        : nowMs - lastFull.atMs >= fullWalkIntervalMs
          ? 'interval'
          : null;

  return {
    walkMethod: walker.method,
    take(): Sample {
      const started = performance.now();
      const timestampMs = now();
      // Host facts first: none of them fails the sample, each one missing only leaves out what needs it.
      const host = decideHostFacts(readHostFiles(reader), timestampMs);
      // This thread's own scheduler clock, read here, on the thread that reads the zombies' (exit-clock.ts).
      exitClock.begin(readThreadClock(reader), host.cpus);
      events?.drain();
      const reason = events === undefined ? 'start' : fullWalkReason(timestampMs);
      tally.begin({
        timestampMs,
        bootedAtMs: host.bootedAtMs,
        ...(events && { exitedAtMs: (tgid: number) => events.exitedAtMs(tgid) }),
      });
      const walk =
        reason === null
          ? walker.walkPids(eventPids(events!, tracker, lastZombieLeaders), tally.visit)
          : walkOrFail(walker, tally);
      const pidDirectories = Object.entries(walk.skipped)
        .filter(([r]) => r !== 'not_a_pid')
        .reduce((n, [, k]) => n + k, walk.processes);
      if (reason !== null) {
        // Before the sweep: a folder that is no proc root must not count every zombie seen so far as reaped.
        const notProcfs = notAProcRoot(pidDirectories, host);
        if (notProcfs !== undefined) throw new SourceFailure('procfs_root', notProcfs);
        lastFull = {
          atMs: timestampMs,
          processes: walk.processes,
          processesByState: tally.processesByState(),
          visibleTasks: tally.visibleTasks,
        };
      }
      const counts: WalkCounts = lastFull!;
      lastZombieLeaders = tally.zombieLeaderPids;
      tracker.sweep();
      const eventCounts = events?.consumed(reason !== null) ?? null;

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
      const byComm = zombiesByComm(
        tally.parents.values(),
        (pid) => commOf(pid, tally, facts, timestampMs),
        options.topParents,
      );
      const parents = topParents.select(tally, timestampMs, resolver);
      facts.endSample();
      const frame = pidFrame({
        pidNamespace,
        kernelTasks: host.kernelTasks,
        visibleTasks: counts.visibleTasks,
        pidMax: host.pidMax,
        threadsMax: host.threadsMax,
        frameCgroups: pidNamespace === 'container' && options.sysfs ? readFrameCgroups(reader, options.sysfs) : [],
      });

      firstSampleMs ??= timestampMs;
      return {
        collection: {
          mode: events === undefined ? 'walk' : 'events',
          fullWalk: reason !== null,
          fullWalkReason: events === undefined ? null : reason,
          statFiles: pidDirectories,
          events: eventCounts,
        },
        timestampMs,
        firstSampleMs,
        durationSeconds: (performance.now() - started) / 1000,
        processes: counts.processes,
        processesByState: counts.processesByState,
        zombies: tally.zombies.length,
        zombieLeadersWithThreads: tally.zombieLeadersWithThreads,
        zombieParents: tally.parents.size,
        oldestZombieAgeSeconds: parents.oldestZombieAgeSeconds,
        topParents: parents.top,
        other: parents.other,
        zombiesByComm: byComm.top,
        zombiesInOtherComms: byComm.other,
        zombiesAppearedTotal: tracker.appearedTotal,
        zombiesReapedTotal: tracker.reapedTotal,
        zombiesReparentedTotal: tracker.reparentedTotal,
        exitTimeSources: { ...tally.exitTimes },
        ...frame,
        kernelTasks: host.kernelTasks,
        visibleTasks: counts.visibleTasks,
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
                sigchld: host.initSigchld,
              },
        // Most exits an event sample reads were reaped before it read them: routine, and not a skip of the walk's.
        skipped: sampleSkips(reason === null ? { ...walk.skipped, vanished: 0 } : walk.skipped),
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
 * The stat files a sample in event mode reads: PID 1 (its comm, state and CPU), every zombie the last sample saw
 * (gone, or no longer a zombie, means reaped; a new ppid, reparented), the zombie leaders whose threads still ran, and
 * every thread group that exited since.
 */
function eventPids(events: ExitEvents, tracker: ZombieTracker, zombieLeaders: readonly number[]): number[] {
  const pids = new Set<number>([1]);
  for (const pid of tracker.pids()) pids.add(pid);
  for (const pid of zombieLeaders) pids.add(pid);
  for (const pid of events.exited()) pids.add(pid);
  return [...pids];
}

/** PID 1's comm is in the walk already; every other parent's is read (and kept a minute) by ParentFacts. */
function commOf(pid: number, tally: WalkTally, facts: ParentFacts, nowMs: number): string | null {
  return pid === 1 && tally.init !== null ? tally.init.comm : facts.commOf(pid, nowMs);
}

/**
 * The walk, or the SourceFailure that stops the sample: a proc root that went away (unmounted, removed, renamed) can't
 * be listed. Messages name files relative to the root and never the root's path, since they reach /healthz.
 */
function walkOrFail(walker: ProcessWalker, tally: WalkTally): WalkResult {
  try {
    return walker.walk(tally.visit);
  } catch (err) {
    throw new SourceFailure('procfs_root', `list the proc root: ${errnoText(err)}`);
  }
}

/** The walk's skip counts in the Sample's words: a reason the walker renames has to be mapped here, not in the JSON. */
function sampleSkips(w: WalkResult['skipped']): Record<SkipReason, number> {
  return {
    vanished: w.vanished,
    permission: w.permission,
    malformed: w.malformed,
    io_error: w.io_error,
    not_regular: w.not_regular,
    not_a_pid: w.not_a_pid,
  };
}
