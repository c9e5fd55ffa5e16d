// When a zombie exited, from the kernel rather than from this exporter's memory: its last switch-out
// (se.exec_start in /proc/PID/sched) against the reading thread's own, on the scheduler's per-CPU task clock.

import type { CpuTimes } from '../procfs/parse-stat.js';

/** The reading thread's own clock, read synchronously on it once per sample. */
export interface SelfClock {
  /** The thread's se.exec_start (ms on its CPU's task clock): "now", to within a tick. */
  execStartMs: number;
  /** The CPU it is running on (stat field 39 of /proc/thread-self/stat). */
  cpu: number;
  /** CLOCK_MONOTONIC and the wall clock at the same moment, in ms. */
  monotonicMs: number;
  wallMs: number;
}

/** /proc/stat counts in USER_HZ ticks (see USER_HZ in walk-tally.ts). */
const TICK_MS = 10;

/**
 * Which of /proc/stat's columns the kernel takes out of a CPU's task clock (rq_clock_task = sched_clock less them):
 * steal with CONFIG_PARAVIRT_TIME_ACCOUNTING, irq and softirq too with CONFIG_IRQ_TIME_ACCOUNTING. Which ones is a
 * kernel build option no file reliably says, so it is measured: the reading thread's own offset (monotonic minus its
 * exec_start) on two CPUs differs by exactly the difference of whatever is taken out.
 */
type Model = 'steal' | 'steal+irq';

const taken = (t: CpuTimes, model: Model): number =>
  TICK_MS * (t.steal + (model === 'steal+irq' ? t.irq + t.softirq : 0));

/** The latest direct measurement of one CPU's offset. */
interface Calibration {
  offsetMs: number;
  times: CpuTimes;
}

/**
 * Keeps, per CPU, the last offset the reading thread measured while running there, and turns a zombie's exec_start
 * into a wall-clock exit time. Two sources of error remain, both documented in docs/metrics.md with the figures
 * measured: what the kernel took out of the zombie's CPU's clock since it exited (estimated from that CPU's average
 * rate since boot), and a tick of exec_start's own resolution.
 */
export class ExitClock {
  private readonly calibrations = new Map<number, Calibration>();
  private model: Model = 'steal';
  private self: SelfClock | undefined;
  private cpus = new Map<number, CpuTimes>();

  /** Starts a sample: the reading thread's clock and /proc/stat's CPU lines, read together. */
  begin(self: SelfClock | undefined, cpus: readonly CpuTimes[] | undefined): void {
    this.self = self;
    this.cpus = new Map((cpus ?? []).map((c) => [c.cpu, c]));
    if (self === undefined) return;
    const times = this.cpus.get(self.cpu);
    if (times === undefined) return;
    this.calibrations.set(self.cpu, { offsetMs: self.monotonicMs - self.execStartMs, times });
    this.chooseModel();
  }

  /** Which columns the kernel subtracts, as measured so far. */
  get measuredModel(): Model {
    return this.model;
  }

  /**
   * The wall-clock time a task that last ran at `execStartMs` on `cpu` stopped running, or undefined when the
   * sample has no self clock or no line for either CPU.
   */
  exitedAtMs(execStartMs: number, cpu: number): number | undefined {
    const self = this.self;
    if (self === undefined) return undefined;
    const mine = this.offsetNow(self.cpu);
    const theirs = this.offsetNow(cpu);
    const times = this.cpus.get(cpu);
    if (mine === undefined || theirs === undefined || times === undefined) return undefined;
    // On one clock: how long ago it last ran, less what the kernel took from its CPU's clock since (unknown exactly,
    // so at that CPU's average rate since boot: A = raw + rate * A).
    const raw = self.execStartMs + mine - (execStartMs + theirs);
    const rate = times.total > 0 ? taken(times, this.model) / (TICK_MS * times.total) : 0;
    const ageMs = Math.max(0, raw / (1 - Math.min(rate, 0.5)));
    return self.wallMs - ageMs;
  }

  /** A CPU's offset now: its last direct measurement plus what was taken since, or the model alone. */
  private offsetNow(cpu: number): number | undefined {
    const now = this.cpus.get(cpu);
    if (now === undefined) return undefined;
    const cal = this.calibrations.get(cpu);
    if (cal !== undefined) return cal.offsetMs + taken(now, this.model) - taken(cal.times, this.model);
    // Never measured there: the offset of a measured CPU plus the difference of what was taken from each.
    const self = this.self!;
    const base = this.calibrations.get(self.cpu);
    const baseNow = this.cpus.get(self.cpu);
    if (base === undefined || baseNow === undefined) return undefined;
    return base.offsetMs + taken(now, this.model) - taken(base.times, this.model);
  }

  /** Picks the model that best explains the offsets measured on different CPUs, once they tell the two apart. */
  private chooseModel(): void {
    const cals = [...this.calibrations.entries()];
    let errSteal = 0;
    let errIrq = 0;
    let pairs = 0;
    for (let i = 0; i < cals.length; i++) {
      for (let j = i + 1; j < cals.length; j++) {
        const [, a] = cals[i]!;
        const [, b] = cals[j]!;
        const measured = a.offsetMs - b.offsetMs;
        const steal = taken(a.times, 'steal') - taken(b.times, 'steal');
        const irq = taken(a.times, 'steal+irq') - taken(b.times, 'steal+irq');
        // Models that predict the same difference (within a few ticks) say nothing about which is right.
        if (Math.abs(steal - irq) < 5 * TICK_MS) continue;
        errSteal += Math.abs(measured - steal);
        errIrq += Math.abs(measured - irq);
        pairs++;
      }
    }
    if (pairs > 0) this.model = errIrq < errSteal ? 'steal+irq' : 'steal';
  }
}
