// What one walk of the proc root adds up to: leaders by state, tasks seen, PID 1's stat, every reapable zombie
// and, per parent, how many it holds and since when.

import { decodeComm, type StatFields } from '../procfs/parse-proc-stat.js';
import type { WalkVisitor } from '../procfs/walk.js';
import { ALWAYS_EXPORTED_STATES } from './sample.js';
import type { ZombieTracker } from './zombie-tracker.js';

/**
 * Clock ticks per second in stat's time fields. The kernel converts to USER_HZ for userspace (clock_t), and USER_HZ
 * is 100 on every architecture Linux supports, whatever CONFIG_HZ is; sysconf(_SC_CLK_TCK) returns the same 100.
 */
export const USER_HZ = 100;

/** A reapable zombie seen in this walk. */
export interface SeenZombie {
  pid: number;
  ppid: number;
  startTimeTicks: number;
  /** When this exporter first saw it (the tracker's memory). */
  firstSeenMs: number;
}

/** One parent's share of the walk's zombies. */
export interface ParentTally {
  pid: number;
  zombies: number;
  oldestFirstSeenMs: number;
}

/** PID 1's stat, caught in passing. */
export interface InitStat {
  comm: string;
  state: string;
  startTimeTicks: number;
  userSeconds: number;
  systemSeconds: number;
}

/**
 * Filled by one walk through `visit`, which runs once per process: it keeps counts in a typed array indexed by the
 * state letter's char code and allocates only for zombies, so a walk of 20,000 processes costs no garbage for the
 * other 19,000-odd. Reused across walks; begin() clears it.
 */
export class WalkTally {
  private readonly stateCounts = new Uint32Array(128);
  visibleTasks = 0;
  /** Leaders in state Z whose other threads still run: not reapable, not counted as zombies. */
  zombieLeadersWithThreads = 0;
  init: InitStat | null = null;
  zombies: SeenZombie[] = [];
  /** Keyed by parent pid, in the order parents were first met. */
  parents = new Map<number, ParentTally>();
  private timestampMs = 0;

  constructor(private readonly tracker: ZombieTracker) {}

  /** Starts a walk taken at `timestampMs` (the time first sightings are recorded at). */
  begin(timestampMs: number): void {
    this.timestampMs = timestampMs;
    this.stateCounts.fill(0);
    this.visibleTasks = 0;
    this.zombieLeadersWithThreads = 0;
    this.init = null;
    this.zombies = [];
    this.parents = new Map();
  }

  readonly visit: WalkVisitor = (f: StatFields, b: Buffer): void => {
    this.stateCounts[f.state.charCodeAt(0)]!++;
    this.visibleTasks += f.numThreads;
    if (f.pid === 1) {
      this.init = {
        comm: decodeComm(b, f),
        state: f.state,
        startTimeTicks: f.startTimeTicks,
        userSeconds: f.utimeTicks / USER_HZ,
        systemSeconds: f.stimeTicks / USER_HZ,
      };
    }
    if (f.state !== 'Z') return;
    if (f.numThreads > 1) {
      this.zombieLeadersWithThreads++;
      return;
    }
    const firstSeenMs = this.tracker.observe(f.pid, f.startTimeTicks, this.timestampMs);
    this.zombies.push({ pid: f.pid, ppid: f.ppid, startTimeTicks: f.startTimeTicks, firstSeenMs });
    const acc = this.parents.get(f.ppid);
    if (acc === undefined) this.parents.set(f.ppid, { pid: f.ppid, zombies: 1, oldestFirstSeenMs: firstSeenMs });
    else {
      acc.zombies++;
      if (firstSeenMs < acc.oldestFirstSeenMs) acc.oldestFirstSeenMs = firstSeenMs;
    }
  };

  /** Leaders by state letter; ALWAYS_EXPORTED_STATES first and present at 0, then any other letter seen. */
  processesByState(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of ALWAYS_EXPORTED_STATES) out[s] = 0;
    this.stateCounts.forEach((n, code) => {
      if (n > 0) out[String.fromCharCode(code)] = n;
    });
    return out;
  }
}
