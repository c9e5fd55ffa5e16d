// The parents that get their own series: the top N by zombies, every namespace init holding zombies (up to a cap)
// and PID 1, each with its zombies' pids and what can be said about who it is (state, owner, cgroup, container),
// and everyone else summed into one `other` bucket.

import { describeCgroupPath } from '../procfs/parse-cgroup-path.js';
import { decodeComm, emptyStatFields, parseStatInto } from '../procfs/parse-proc-stat.js';
import { parseUptime } from '../procfs/parse-uptime.js';
import type { ProcReader } from '../procfs/reader.js';
import { STAT_BUFFER_BYTES } from '../procfs/walk.js';
import type { ParentFacts } from './parent-facts.js';
import type { CgroupPathResolver } from './resolve-cgroup-path.js';
import { ZOMBIE_PIDS_PER_PARENT, type OtherParents, type ZombieParent } from './sample.js';
import { topN } from './top-n.js';
import type { ParentTally, SeenZombie, WalkTally } from './walk-tally.js';

export interface TopParents {
  /** The top parents by zombies, most first, plus PID 1 wherever it ranks. */
  top: ZombieParent[];
  other: OtherParents;
  /** Age of the oldest zombie of all, from first sight; 0 with none. */
  oldestZombieAgeSeconds: number;
}

/** What a top parent's stat says when read again after the walk. */
interface ParentStat {
  comm: string;
  state: string;
  /** With the pid, which process this is: facts cached for a pid hold for this start time only. */
  startTimeTicks: number;
}

/** Ranks parents: most zombies first, then the oldest zombie, then the lower pid, so output is deterministic. */
const ranksBefore = (a: ParentTally, b: ParentTally): boolean =>
  a.zombies !== b.zombies
    ? a.zombies > b.zombies
    : a.oldestExitedAtMs !== b.oldestExitedAtMs
      ? a.oldestExitedAtMs < b.oldestExitedAtMs
      : a.pid < b.pid;

/**
 * Namespace inits listed beyond the top N, at most. Each is a container whose first process holds zombies, which no
 * sum into `other` should hide; a host with more of those at once than this has a bigger problem than series count.
 */
export const MAX_NAMESPACE_INITS = 100;

export class TopParentsSelector {
  private readonly buf = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  private readonly fields = emptyStatFields();

  constructor(
    private readonly reader: ProcReader,
    private readonly facts: ParentFacts,
    /** --zombies.top-parents; PID 1 is always added. */
    private readonly n: number,
  ) {}

  select(tally: WalkTally, timestampMs: number, resolver: CgroupPathResolver): TopParents {
    const secondsSince = (ms: number): number => Math.max(0, (timestampMs - ms) / 1000);
    const top = topN(tally.parents.values(), this.n, ranksBefore);
    const ranked = new Set(top.map((p) => p.pid));
    const inits = topN(
      [...tally.parents.values()].filter(
        (p) => !ranked.has(p.pid) && p.pid !== 1 && this.facts.isNamespaceInit(p.pid, timestampMs),
      ),
      MAX_NAMESPACE_INITS,
      ranksBefore,
    );
    top.push(...inits);
    if (!top.some((p) => p.pid === 1)) {
      top.push(
        tally.parents.get(1) ?? {
          pid: 1,
          zombies: 0,
          oldestExitedAtMs: timestampMs,
          oldestSource: 'first_seen',
          newestExitedAtMs: timestampMs,
          oldestHeldSinceMs: timestampMs,
        },
      );
    }
    const pidsByParent = zombiesOf(tally.zombies, new Set(top.map((p) => p.pid)));

    // uptime is read once per sample, and only when some parent leaks.
    let uptime: number | null | undefined;
    const out = top.map((acc): ZombieParent => {
      const stat = acc.pid === 1 ? (tally.init ?? undefined) : this.readParentStat(acc.pid);
      const zombies = pidsByParent.get(acc.pid) ?? [];
      const parent: ZombieParent = {
        pid: acc.pid,
        comm: stat?.comm ?? '',
        zombies: acc.zombies,
        oldestAgeSeconds: acc.zombies > 0 ? secondsSince(acc.oldestExitedAtMs) : 0,
        heldSeconds: acc.zombies > 0 ? secondsSince(acc.oldestHeldSinceMs) : 0,
        newestAgeSeconds: acc.zombies > 0 ? secondsSince(acc.newestExitedAtMs) : 0,
        zombiePids: zombies
          .sort((a, b) => a.tracked.exitedAtMs - b.tracked.exitedAtMs || a.pid - b.pid)
          .slice(0, ZOMBIE_PIDS_PER_PARENT)
          .map((z) => z.pid),
      };
      if (acc.zombies === 0) return parent;
      parent.oldestAgeSource = acc.oldestSource;
      uptime ??= readUptimeSeconds(this.reader);
      return { ...parent, ...this.describe(acc.pid, stat, zombies, uptime, timestampMs, resolver) };
    });

    const other = { parents: 0, zombies: 0, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0 };
    let oldestExitedAtMs = Infinity;
    const listed = new Set(top.map((p) => p.pid));
    for (const acc of tally.parents.values()) {
      if (acc.oldestExitedAtMs < oldestExitedAtMs) oldestExitedAtMs = acc.oldestExitedAtMs;
      if (listed.has(acc.pid)) continue;
      other.parents++;
      other.zombies += acc.zombies;
      other.oldestAgeSeconds = Math.max(other.oldestAgeSeconds, secondsSince(acc.oldestExitedAtMs));
      other.heldSeconds = Math.max(other.heldSeconds, secondsSince(acc.oldestHeldSinceMs));
      const newest = secondsSince(acc.newestExitedAtMs);
      other.newestAgeSeconds = other.parents === 1 ? newest : Math.min(other.newestAgeSeconds, newest);
    }
    return { top: out, other, oldestZombieAgeSeconds: tally.zombies.length > 0 ? secondsSince(oldestExitedAtMs) : 0 };
  }

  /**
   * State, owner, cgroup and container of a leaking parent, so the page, the snapshot and inspect can name who to
   * talk to; and the start of its oldest zombie's process, an upper bound on how long that zombie has been one.
   */
  private describe(
    pid: number,
    stat: ParentStat | undefined,
    zombies: readonly SeenZombie[],
    uptime: number | null,
    timestampMs: number,
    resolver: CgroupPathResolver,
  ): Partial<ZombieParent> {
    const owner = stat
      ? this.facts.describe(pid, stat.startTimeTicks, timestampMs)
      : { uid: null, user: null, cgroup: null };
    const cgroup = owner.cgroup === null ? null : resolver.resolve(owner.cgroup);
    const origin =
      cgroup === null ? { containerId: null, podUid: null, systemdUnit: null } : describeCgroupPath(cgroup);
    const startTicks = zombies.reduce((min, z) => Math.min(min, z.startTimeTicks), Infinity);
    return {
      state: stat?.state ?? null,
      ...owner,
      cgroup,
      ...origin,
      namespaceInit: pid !== 1 && this.facts.isNamespaceInit(pid, timestampMs),
      // Both clocks tick in hundredths of a second (USER_HZ), so more decimals would be noise.
      oldestStartedSecondsAgo:
        uptime === null || startTicks === Infinity ? null : Math.max(0, Math.round(100 * uptime - startTicks) / 100),
    };
  }

  /**
   * A top parent's comm and state, read again after the walk: decoding every process's comm in case it turns out to
   * be a parent costs more than these few extra reads. Undefined when the parent can't be read (hidepid, another PID
   * namespace, or it just exited).
   */
  private readParentStat(pid: number): ParentStat | undefined {
    if (pid <= 0) return undefined;
    try {
      const n = this.reader.readPidFile(pid, 'stat', this.buf);
      if (n >= this.buf.length || parseStatInto(this.buf, 0, n, this.fields) !== null) return undefined;
      return {
        comm: decodeComm(this.buf, this.fields),
        state: this.fields.state,
        startTimeTicks: this.fields.startTimeTicks,
      };
    } catch {
      return undefined;
    }
  }
}

/** Seconds since boot, or null when /proc/uptime can't be read: the clock stat's start times count from. */
export function readUptimeSeconds(reader: ProcReader): number | null {
  try {
    const parsed = parseUptime(reader.readText('uptime'));
    return parsed.ok ? parsed.value : null;
  } catch {
    return null;
  }
}

/** The zombies of each listed parent, in walk order. */
function zombiesOf(zombies: readonly SeenZombie[], listed: ReadonlySet<number>): Map<number, SeenZombie[]> {
  const byParent = new Map<number, SeenZombie[]>();
  for (const z of zombies) {
    if (!listed.has(z.ppid)) continue;
    let list = byParent.get(z.ppid);
    if (list === undefined) byParent.set(z.ppid, (list = []));
    list.push(z);
  }
  return byParent;
}
