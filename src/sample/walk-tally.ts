// What one walk of the proc root adds up to: leaders by state, tasks seen, PID 1's stat, every reapable zombie
// with when it exited and since when its parent holds it, and per parent how many it holds.

import { parseExecStart } from '../procfs/parse-proc-sched.js';
import { decodeComm, parseProcessor, type StatFields } from '../procfs/parse-proc-stat.js';
import type { ProcReader } from '../procfs/reader.js';
import type { WalkVisitor } from '../procfs/walk.js';
import type { ExitClock } from './exit-clock.js';
import { ALWAYS_EXPORTED_STATES, type ExitTimeSource } from './sample.js';
import type { TrackedZombie, ZombieTracker } from './zombie-tracker.js';

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
  /** What the tracker knows of it: when it exited, since when its parent holds it. */
  tracked: TrackedZombie;
}

/** One parent's share of the walk's zombies. */
export interface ParentTally {
  pid: number;
  zombies: number;
  /** The earliest exit among its zombies (wall clock, ms), and where that zombie's exit time came from. */
  oldestExitedAtMs: number;
  oldestSource: ExitTimeSource;
  /** The latest exit among them: a parent that still makes zombies it does not reap has a recent one. */
  newestExitedAtMs: number;
  /** The earliest time from which it has held one of them. */
  oldestHeldSinceMs: number;
}

/** PID 1's stat, caught in passing. */
export interface InitStat {
  comm: string;
  state: string;
  startTimeTicks: number;
  userSeconds: number;
  systemSeconds: number;
}

/** What a sample knows to date a new zombie by. */
export interface WalkClock {
  /** The sample's wall-clock time. */
  timestampMs: number;
  /** Wall-clock time of boot (from /proc/uptime), which stat's start times count from; null when unknown. */
  bootedAtMs: number | null;
  /** In event mode, when a thread group last exited, from the proc connector: a new zombie's exact exit time. */
  exitedAtMs?: (tgid: number) => number | undefined;
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
  /** Their pids: event mode reads them again each sample, until their last thread's exit makes them zombies. */
  zombieLeaderPids: number[] = [];
  init: InitStat | null = null;
  zombies: SeenZombie[] = [];
  /** Keyed by parent pid, in the order parents were first met. */
  parents = new Map<number, ParentTally>();
  /** New zombies of this walk by where their exit time came from. */
  exitTimes: Record<ExitTimeSource, number> = { event: 0, sched: 0, first_seen: 0 };
  private clock: WalkClock = { timestampMs: 0, bootedAtMs: null };

  constructor(
    private readonly tracker: ZombieTracker,
    private readonly reader: ProcReader,
    private readonly exitClock: ExitClock,
  ) {}

  /** Starts a walk; new zombies are dated against `clock` (the exit clock must have begun this sample too). */
  begin(clock: WalkClock): void {
    this.clock = clock;
    this.stateCounts.fill(0);
    this.visibleTasks = 0;
    this.zombieLeadersWithThreads = 0;
    this.zombieLeaderPids = [];
    this.init = null;
    this.zombies = [];
    this.parents = new Map();
    this.exitTimes = { event: 0, sched: 0, first_seen: 0 };
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
      this.zombieLeaderPids.push(f.pid);
      return;
    }
    const now = this.clock.timestampMs;
    const tracked = this.tracker.observe(f.pid, f.startTimeTicks, f.ppid, now) ?? this.date(f, b);
    this.zombies.push({ pid: f.pid, ppid: f.ppid, startTimeTicks: f.startTimeTicks, tracked });
    const acc = this.parents.get(f.ppid);
    if (acc === undefined) {
      this.parents.set(f.ppid, {
        pid: f.ppid,
        zombies: 1,
        oldestExitedAtMs: tracked.exitedAtMs,
        oldestSource: tracked.exitTimeSource,
        newestExitedAtMs: tracked.exitedAtMs,
        oldestHeldSinceMs: tracked.heldSinceMs,
      });
    } else {
      acc.zombies++;
      if (tracked.exitedAtMs < acc.oldestExitedAtMs) {
        acc.oldestExitedAtMs = tracked.exitedAtMs;
        acc.oldestSource = tracked.exitTimeSource;
      }
      if (tracked.exitedAtMs > acc.newestExitedAtMs) acc.newestExitedAtMs = tracked.exitedAtMs;
      if (tracked.heldSinceMs < acc.oldestHeldSinceMs) acc.oldestHeldSinceMs = tracked.heldSinceMs;
    }
  };

  /**
   * Dates a zombie seen for the first time: its exit from the kernel's record of its last run, kept between when
   * its process started and now (it cannot have exited before it started, nor after it was seen dead); when that
   * record can't be read (an old kernel, another proc root), from now, which is when it was first seen.
   */
  private date(f: StatFields, b: Buffer): TrackedZombie {
    const now = this.clock.timestampMs;
    // The proc connector's event is the exit itself; the sched estimate is for zombies from before it listened.
    const fromEvent = this.clock.exitedAtMs?.(f.pid);
    const source: ExitTimeSource = fromEvent === undefined ? 'sched' : 'event';
    const exitedAt = fromEvent ?? this.exitFromSched(f, b);
    if (exitedAt === undefined) {
      this.exitTimes.first_seen++;
      return this.tracker.add(f.pid, f.startTimeTicks, f.ppid, now, now, 'first_seen');
    }
    const started =
      this.clock.bootedAtMs === null ? -Infinity : this.clock.bootedAtMs + (f.startTimeTicks * 1000) / USER_HZ;
    this.exitTimes[source]++;
    return this.tracker.add(f.pid, f.startTimeTicks, f.ppid, now, Math.min(now, Math.max(started, exitedAt)), source);
  }

  private exitFromSched(f: StatFields, b: Buffer): number | undefined {
    const cpu = parseProcessor(b, f);
    if (cpu < 0) return undefined;
    let text: string;
    try {
      text = this.reader.readText(`${f.pid}/sched`);
    } catch {
      return undefined; // reaped since the stat read, no sched file on this kernel, or not readable here
    }
    const execStart = parseExecStart(text);
    return execStart.ok ? this.exitClock.exitedAtMs(execStart.value, cpu) : undefined;
  }

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
