// Turns one walk of the proc root plus the host facts into a Sample; holds the state that spans samples.

import { performance } from 'node:perf_hooks';
import { readHostFacts, SourceFailure } from '../procfs/host-facts.js';
import type { ProcStat } from '../procfs/parse-stat.js';
import type { ProcReader } from '../procfs/reader.js';
import { walkProcesses } from '../procfs/walk.js';
import { createParentDetailsReader } from './parent-details.js';
import { topN } from './top-n.js';
import { ZombieTracker } from './zombie-tracker.js';
import { ALWAYS_EXPORTED_STATES, ZOMBIE_PIDS_PER_PARENT, type Sample, type ZombieParent } from './sample.js';

/**
 * Clock ticks per second in stat's time fields. The kernel converts to USER_HZ for userspace (clock_t), and USER_HZ
 * is 100 on every architecture Linux supports, whatever CONFIG_HZ is; sysconf(_SC_CLK_TCK) returns the same 100.
 */
export const USER_HZ = 100;

export interface CollectorOptions {
  reader: ProcReader;
  /** How many parents get their own series (--zombies.top-parents); PID 1 is always added. */
  topParents: number;
  /** Wall clock in ms; injectable so tests can age zombies without waiting. */
  now?: () => number;
}

export interface Collector {
  /** Walks and returns a Sample; throws SourceFailure when an essential source can't be read. */
  collect(): Sample;
}

/** Per-parent accumulation during a walk. */
interface ParentAcc {
  pid: number;
  zombies: number;
  oldestFirstSeenMs: number;
}

/** Ranks parents: most zombies first, then the oldest zombie, then the lower pid, so output is deterministic. */
const ranksBefore = (a: ParentAcc, b: ParentAcc): boolean =>
  a.zombies !== b.zombies
    ? a.zombies > b.zombies
    : a.oldestFirstSeenMs !== b.oldestFirstSeenMs
      ? a.oldestFirstSeenMs < b.oldestFirstSeenMs
      : a.pid < b.pid;

export function createCollector(options: CollectorOptions): Collector {
  const { reader, topParents } = options;
  const now = options.now ?? Date.now;
  const tracker = new ZombieTracker();
  const buf = Buffer.allocUnsafe(4096);
  let firstSampleMs: number | undefined;

  return {
    collect(): Sample {
      const started = performance.now();
      const timestampMs = now();
      let walk;
      try {
        walk = walkProcesses(reader, buf);
      } catch (err) {
        throw new SourceFailure('procfs_root', `list ${reader.root}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      const facts = readHostFacts(reader);

      const processesByState: Record<string, number> = {};
      for (const s of ALWAYS_EXPORTED_STATES) processesByState[s] = 0;
      const parents = new Map<number, ParentAcc>();
      const zombiesSeen: { stat: ProcStat; firstSeenMs: number }[] = [];
      let zombieLeadersWithThreads = 0;
      let visibleTasks = 0;
      let init: ProcStat | undefined;

      for (const p of walk.processes) {
        processesByState[p.state] = (processesByState[p.state] ?? 0) + 1;
        visibleTasks += p.numThreads;
        if (p.pid === 1) init = p;
        if (p.state !== 'Z') continue;
        if (p.numThreads > 1) {
          zombieLeadersWithThreads++;
          continue;
        }
        const firstSeenMs = tracker.observe(p.pid, p.startTimeTicks, timestampMs);
        zombiesSeen.push({ stat: p, firstSeenMs });
        const acc = parents.get(p.ppid);
        if (acc === undefined) parents.set(p.ppid, { pid: p.ppid, zombies: 1, oldestFirstSeenMs: firstSeenMs });
        else {
          acc.zombies++;
          if (firstSeenMs < acc.oldestFirstSeenMs) acc.oldestFirstSeenMs = firstSeenMs;
        }
      }
      tracker.sweep();

      const ageSeconds = (firstSeenMs: number): number => Math.max(0, (timestampMs - firstSeenMs) / 1000);
      const top = topN(parents.values(), topParents, ranksBefore);
      if (!top.some((p) => p.pid === 1)) top.push(parents.get(1) ?? { pid: 1, zombies: 0, oldestFirstSeenMs: timestampMs });
      const topPids = new Set(top.map((p) => p.pid));
      // Only the top parents need a comm and state; finding them afterwards beats a map of every process.
      const topStats = new Map<number, ProcStat>();
      for (const p of walk.processes) if (topPids.has(p.pid)) topStats.set(p.pid, p);

      // Zombie pids per top parent, oldest first, capped; one pass over this sample's zombies.
      const pidsByParent = new Map<number, { pid: number; firstSeenMs: number }[]>();
      const oldestStartTicks = new Map<number, number>();
      for (const z of zombiesSeen) {
        if (!topPids.has(z.stat.ppid)) continue;
        const start = oldestStartTicks.get(z.stat.ppid);
        if (start === undefined || z.stat.startTimeTicks < start) oldestStartTicks.set(z.stat.ppid, z.stat.startTimeTicks);
        let list = pidsByParent.get(z.stat.ppid);
        if (list === undefined) pidsByParent.set(z.stat.ppid, (list = []));
        list.push({ pid: z.stat.pid, firstSeenMs: z.firstSeenMs });
      }

      // A handful of small reads per leaking top parent, so the page, the snapshot and inspect can name its owner.
      const details = createParentDetailsReader(reader);
      const describe = (acc: ParentAcc): Partial<ZombieParent> => {
        if (acc.zombies === 0) return {};
        const uptime = details.uptimeSeconds();
        const startTicks = oldestStartTicks.get(acc.pid);
        return {
          state: topStats.get(acc.pid)?.state ?? null,
          ...details.describe(acc.pid),
          // Both clocks tick in hundredths of a second (USER_HZ), so more decimals would be noise.
          oldestStartedSecondsAgo:
            uptime === null || startTicks === undefined ? null : Math.max(0, Math.round(100 * uptime - startTicks) / 100),
        };
      };
      const topParentsOut: ZombieParent[] = top.map((acc) => ({
        pid: acc.pid,
        comm: topStats.get(acc.pid)?.comm ?? '',
        zombies: acc.zombies,
        oldestAgeSeconds: acc.zombies > 0 ? ageSeconds(acc.oldestFirstSeenMs) : 0,
        zombiePids: (pidsByParent.get(acc.pid) ?? [])
          .sort((a, b) => a.firstSeenMs - b.firstSeenMs || a.pid - b.pid)
          .slice(0, ZOMBIE_PIDS_PER_PARENT)
          .map((z) => z.pid),
        ...describe(acc),
      }));

      const other = { parents: 0, zombies: 0, oldestAgeSeconds: 0 };
      let oldestFirstSeenMs = Infinity;
      for (const acc of parents.values()) {
        if (acc.oldestFirstSeenMs < oldestFirstSeenMs) oldestFirstSeenMs = acc.oldestFirstSeenMs;
        if (topPids.has(acc.pid)) continue;
        other.parents++;
        other.zombies += acc.zombies;
        other.oldestAgeSeconds = Math.max(other.oldestAgeSeconds, ageSeconds(acc.oldestFirstSeenMs));
      }

      const sourceErrors = [...facts.errors];
      firstSampleMs ??= timestampMs;
      return {
        timestampMs,
        firstSampleMs,
        durationSeconds: (performance.now() - started) / 1000,
        processes: walk.processes.length,
        processesByState,
        zombies: zombiesSeen.length,
        zombieLeadersWithThreads,
        zombieParents: parents.size,
        oldestZombieAgeSeconds: zombiesSeen.length > 0 ? ageSeconds(oldestFirstSeenMs) : 0,
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
          init === undefined
            ? null
            : {
                comm: init.comm,
                userSeconds: init.utimeTicks / USER_HZ,
                systemSeconds: init.stimeTicks / USER_HZ,
                sigchldHandled: facts.initSigchldHandled,
              },
        skipped: walk.skipped,
        skipDetails: walk.skipDetails,
        sourceErrors,
      };
    },
  };
}
