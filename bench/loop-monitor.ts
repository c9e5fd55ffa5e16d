// Benchmark instrument: how long the event loop went between turns, and why. A timer fires every millisecond; at
// each turn it reads this thread's schedstat: the time it ran and the time the kernel kept it runnable but off every
// core (CONFIG_SCHED_INFO, Documentation/scheduler/sched-stats.rst). Between two turns the thread either ran (the
// exporter's own work: JavaScript, GC, syscalls, and on this kernel any interrupt that lands meanwhile), waited for
// a CPU (the host: on a 2-core machine the walker, the load generator and the kernel's /proc work are three busy
// threads), or slept. The CPU it used between two turns is the time it kept the loop from turning: what
// "blocked" means. The rest, an idle process here sees too, so it is printed beside it for comparison.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** One turn that came over 10 ms late, with when it ended (ms of CLOCK_MONOTONIC, shared by every process here). */
export interface LateTurn {
  endMs: number;
  gapMs: number;
  ranMs: number;
  waitMs: number;
  /** The CPU the thread was on when the turn came (to match a stall of that vCPU only). */
  cpu: number;
}

export interface LoopReport {
  /** The longest gap between two turns, less the 1 ms period: what monitorEventLoopDelay's max measures. */
  delayMaxMs: number;
  /** The run-queue wait inside that longest gap. */
  waitInLongestMs: number;
  /** The longest gap less its run-queue wait and the period: the longest the thread itself held the loop. */
  heldMaxMs: number;
  /** CPU the thread used inside the gap it held longest (the rest of it, it slept). */
  ranInHeldMs: number;
  /** The most CPU the thread used between two turns: the longest it blocked the loop itself. */
  ranMaxMs: number;
  /** Turns observed since the last reset. */
  turns: number;
  /** The turns that came over 10 ms late (the first MAX_LATE_TURNS), to match against another process's. */
  late: LateTurn[];
}

const MAX_LATE_TURNS = 500;

const PERIOD_NS = 1_000_000n;
const TEN_MS_NS = 10_000_000n;

export class LoopMonitor {
  private readonly fd: number;
  private readonly buf = Buffer.alloc(128);
  private readonly timer: NodeJS.Timeout;
  private lastNs: bigint;
  private lastRunNs: bigint;
  private lastWaitNs: bigint;
  private delayMaxNs = 0n;
  private waitInLongestNs = 0n;
  private heldMaxNs = 0n;
  private ranInHeldNs = 0n;
  private ranMaxNs = 0n;
  private turns = 0;
  private late: LateTurn[] = [];

  constructor() {
    // The main thread's tid is the process id; this monitor only runs there.
    this.fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
    this.lastNs = process.hrtime.bigint();
    [this.lastRunNs, this.lastWaitNs] = this.schedstat();
    this.timer = setInterval(() => this.turn(), 1);
  }

  report(): LoopReport {
    return {
      delayMaxMs: Number(this.delayMaxNs) / 1e6,
      waitInLongestMs: Number(this.waitInLongestNs) / 1e6,
      heldMaxMs: Number(this.heldMaxNs) / 1e6,
      ranInHeldMs: Number(this.ranInHeldNs) / 1e6,
      ranMaxMs: Number(this.ranMaxNs) / 1e6,
      turns: this.turns,
      late: this.late,
    };
  }

  reset(): void {
    this.delayMaxNs = 0n;
    this.waitInLongestNs = 0n;
    this.heldMaxNs = 0n;
    this.ranInHeldNs = 0n;
    this.ranMaxNs = 0n;
    this.turns = 0;
    this.late = [];
  }

  close(): void {
    clearInterval(this.timer);
    closeSync(this.fd);
  }

  /** Nanoseconds run and waited; a pread at 0 makes the kernel render the file afresh. */
  private schedstat(): [run: bigint, wait: bigint] {
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    const [run, wait] = this.buf.toString('latin1', 0, n).split(' ');
    return [BigInt(run!), BigInt(wait!)];
  }

  /** The CPU the thread last ran on: field 39 of its stat, counted after the ")" that ends the command name. */
  private cpu(): number {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
  }

  private turn(): void {
    const now = process.hrtime.bigint();
    const [run, wait] = this.schedstat();
    const gap = now - this.lastNs;
    const waited = wait - this.lastWaitNs;
    const ran = run - this.lastRunNs;
    this.lastNs = now;
    this.lastRunNs = run;
    this.lastWaitNs = wait;
    this.turns++;
    if (gap - PERIOD_NS > this.delayMaxNs) {
      this.delayMaxNs = gap - PERIOD_NS;
      this.waitInLongestNs = waited;
    }
    if (gap - PERIOD_NS > TEN_MS_NS && this.late.length < MAX_LATE_TURNS) {
      this.late.push({
        endMs: Number(now) / 1e6,
        gapMs: Number(gap) / 1e6,
        ranMs: Number(ran) / 1e6,
        waitMs: Number(waited) / 1e6,
        cpu: this.cpu(),
      });
    }
    if (ran > this.ranMaxNs) this.ranMaxNs = ran;
    const held = gap - waited - PERIOD_NS;
    if (held > this.heldMaxNs) {
      this.heldMaxNs = held;
      this.ranInHeldNs = ran;
    }
  }
}
