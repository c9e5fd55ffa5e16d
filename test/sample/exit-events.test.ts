// What a sample makes of the proc connector's events (src/sample/exit-events.ts), over a listener that replays a
// script of events: the latest exit per thread group, the wall-clock time of each, counts by kind, and a loss that
// forgets what it had and holds until a full walk.

import t from 'tap';
import {
  emptyProcEvent,
  type DrainCounts,
  type ProcEvent,
  type ProcEventListener,
} from '../../src/procfs/proc-events.js';
import { ExitEvents, MAX_PENDING_EXITS } from '../../src/sample/exit-events.js';

type Script = { events: Partial<ProcEvent>[]; lost?: number; overflows?: number }[];

function replay(script: Script): ProcEventListener & { closed: boolean } {
  const l = {
    closed: false,
    drain(visit: (e: Readonly<ProcEvent>) => void): DrainCounts {
      const step = script.shift() ?? { events: [] };
      for (const e of step.events)
        visit({
          ...emptyProcEvent(),
          what: 'exit',
          exitSignal: 17,
          ...e,
        });
      return { lost: step.lost ?? 0, overflows: step.overflows ?? 0 };
    },
    close() {
      l.closed = true;
    },
  };
  return l;
}

/** A monotonic time some ms ago, on the clock events carry (process.hrtime is CLOCK_MONOTONIC too). */
const monoAgo = (ms: number) => Number(process.hrtime.bigint()) / 1e6 - ms;

t.test('exits by thread group, at the wall-clock time of the latest; forks and others counted', async (t) => {
  const x = new ExitEvents(
    replay([
      {
        events: [
          { what: 'fork', pid: 10, tgid: 10 },
          { what: 'exit', pid: 11, tgid: 10, monotonicMs: monoAgo(500) }, // a thread of 10
          { what: 'exit', pid: 10, tgid: 10, monotonicMs: monoAgo(200) }, // then its leader: the process is done
          { what: 'exit', pid: 20, tgid: 20, monotonicMs: monoAgo(100) },
          { what: 'other' },
        ],
      },
    ]),
  );
  x.drain();
  const now = Date.now();
  t.same([...x.exited()].sort(), [10, 20]);
  t.ok(Math.abs(now - 200 - x.exitedAtMs(10)!) < 5, 'the group dated by its last exit, in wall-clock ms');
  t.ok(Math.abs(now - 100 - x.exitedAtMs(20)!) < 5);
  t.equal(x.exitedAtMs(11), undefined, 'a thread is no group');
  t.equal(x.lost, false);
  t.same(x.consumed(false), { fork: 1, exit: 3, other: 1, lost: 0, overflows: 0 }, 'counts since the last sample');
  t.same([...x.exited()], [], 'a sample consumes the exits');
  t.same(x.consumed(false), { fork: 0, exit: 0, other: 0, lost: 0, overflows: 0 }, 'and the counts');
});

t.test('a loss forgets what was gathered, keeps forgetting until a full walk, and is counted', async (t) => {
  const x = new ExitEvents(
    replay([
      { events: [{ pid: 5, tgid: 5, monotonicMs: monoAgo(10) }] },
      { events: [{ pid: 6, tgid: 6 }], lost: 40, overflows: 1 },
      { events: [{ pid: 7, tgid: 7 }] },
      { events: [{ pid: 8, tgid: 8, monotonicMs: monoAgo(1) }] },
    ]),
  );
  x.drain();
  t.same([...x.exited()], [5]);
  x.drain();
  t.equal(x.lost, true, 'lost events flag a full walk');
  t.same([...x.exited()], [], 'what was gathered is dropped: the walk finds it');
  x.drain();
  t.same([...x.exited()], [], 'and nothing is gathered until that walk');
  t.same(x.consumed(false), { fork: 0, exit: 3, other: 0, lost: 40, overflows: 1 });
  t.equal(x.lost, true, 'a sample that did not walk everything keeps the flag');
  x.consumed(true);
  t.equal(x.lost, false, 'a full walk clears it');
  x.drain();
  t.same([...x.exited()], [8], 'and exits are gathered again');
});

t.test('more exits than the bound between two samples: dropped for a full walk, memory bounded', async (t) => {
  const events = Array.from({ length: MAX_PENDING_EXITS + 1 }, (_, i) => ({ pid: i + 2, tgid: i + 2 }));
  const x = new ExitEvents(replay([{ events }]));
  x.drain();
  t.equal(x.lost, true);
  t.same([...x.exited()], []);
});

t.test('close closes the listener', async (t) => {
  const l = replay([]);
  new ExitEvents(l).close();
  t.equal(l.closed, true);
});
