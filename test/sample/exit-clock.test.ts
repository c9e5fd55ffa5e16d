// The exit clock against ground truth computed by hand from the kernel's definition of the task clock: each CPU's
// clock is CLOCK_MONOTONIC less a constant and less what was taken from it (steal, and irq+softirq when the kernel
// accounts them), so a zombie's age follows from the two CPUs' offsets.

import t from 'tap';
import type { CpuTimes } from '../../src/procfs/parse-stat.js';
import { ExitClock } from '../../src/sample/exit-clock.js';

const WALL = 1_800_000_000_000;
const MONO = 5_000_000;
/** A CPU line; ticks are 10 ms. total is large so the since-boot rates are small. */
const cpu = (n: number, steal: number, irq = 0, softirq = 0, total = 1_000_000): CpuTimes => ({
  cpu: n,
  irq,
  softirq,
  steal,
  total,
});

t.test('same CPU, nothing stolen: the age is the difference of the two exec_starts', async (t) => {
  const c = new ExitClock();
  c.begin({ execStartMs: 1_000_000, cpu: 0, monotonicMs: MONO, wallMs: WALL }, [cpu(0, 0, 0, 0)]);
  t.equal(c.exitedAtMs(1_000_000 - 60_000, 0), WALL - 60_000);
  t.equal(c.exitedAtMs(1_000_100, 0), WALL, 'a last run after "now" (a tick of slack) is now, never the future');
});

t.test("another CPU: the difference of what was stolen from each CPU's clock is put back", async (t) => {
  const c = new ExitClock();
  // CPU 1 had 1,600 ms more stolen than CPU 0 since boot: its clock trails CPU 0's by that much.
  c.begin({ execStartMs: 1_000_000, cpu: 0, monotonicMs: MONO, wallMs: WALL }, [
    cpu(0, 5400, 0, 0, 0),
    cpu(1, 5560, 0, 0, 0),
  ]);
  const execStartOnCpu1 = 1_000_000 - 1_600 - 30_000; // exited 30 s ago on CPU 1's clock
  t.equal(c.exitedAtMs(execStartOnCpu1, 1), WALL - 30_000);
});

t.test("what is taken from the zombie CPU after it exited is estimated at that CPU's average rate", async (t) => {
  const c = new ExitClock();
  // 2% stolen on CPU 0 since boot: a zombie that exited 600 s ago shows 588 s on the task clock.
  c.begin({ execStartMs: 1_000_000, cpu: 0, monotonicMs: MONO, wallMs: WALL }, [cpu(0, 2000, 0, 0, 100_000)]);
  t.equal(Math.round(WALL - c.exitedAtMs(1_000_000 - 588_000, 0)!), 600_000);
});

t.test("which columns the kernel subtracts is measured from the reader's own offsets on two CPUs", async (t) => {
  const c = new ExitClock();
  t.equal(c.measuredModel, 'steal', 'until it can tell, steal only');
  // CPU 0: offset 50,000; CPU 1: irq+softirq 2,000 ms more and steal 300 ms more. A kernel with IRQ time accounting
  // makes CPU 1's offset 2,300 ms larger; without it, 300 ms.
  c.begin({ execStartMs: MONO - 50_000, cpu: 0, monotonicMs: MONO, wallMs: WALL }, [
    cpu(0, 100, 50, 50),
    cpu(1, 130, 150, 150),
  ]);
  c.begin({ execStartMs: MONO - 52_300, cpu: 1, monotonicMs: MONO, wallMs: WALL }, [
    cpu(0, 100, 50, 50),
    cpu(1, 130, 150, 150),
  ]);
  t.equal(c.measuredModel, 'steal+irq');
  const d = new ExitClock();
  d.begin({ execStartMs: MONO - 50_000, cpu: 0, monotonicMs: MONO, wallMs: WALL }, [
    cpu(0, 100, 50, 50),
    cpu(1, 130, 150, 150),
  ]);
  d.begin({ execStartMs: MONO - 50_300, cpu: 1, monotonicMs: MONO, wallMs: WALL }, [
    cpu(0, 100, 50, 50),
    cpu(1, 130, 150, 150),
  ]);
  t.equal(d.measuredModel, 'steal');
  // A CPU measured directly is used as measured: here CPU 0's offset, then what was stolen since.
  d.begin({ execStartMs: MONO + 10_000 - 50_300, cpu: 1, monotonicMs: MONO + 10_000, wallMs: WALL + 10_000 }, [
    cpu(0, 110, 50, 50),
    cpu(1, 130, 150, 150),
  ]);
  // On CPU 0, 100 ms more were stolen since its calibration: its clock is 50,100 behind monotonic now.
  t.equal(
    Math.round(d.exitedAtMs(MONO + 10_000 - 50_100 - 5_000, 0)!),
    WALL + 10_000 - 5_001,
    '5 s, and a millisecond for what was taken since',
  );
});

t.test('no self clock, or no line for a CPU: no answer, so the zombie is dated by first sight', async (t) => {
  const c = new ExitClock();
  c.begin(undefined, [cpu(0, 0)]);
  t.equal(c.exitedAtMs(1, 0), undefined);
  c.begin({ execStartMs: 1, cpu: 0, monotonicMs: MONO, wallMs: WALL }, [cpu(0, 0)]);
  t.equal(c.exitedAtMs(1, 7), undefined, 'CPU 7 has no line');
  c.begin({ execStartMs: 1, cpu: 3, monotonicMs: MONO, wallMs: WALL }, []);
  t.equal(c.exitedAtMs(1, 3), undefined, '/proc/stat unreadable');
});
