// The proc connector through the addon (native/proc-events.c, src/procfs/proc-events.ts), against the real kernel:
// real children's exits arrive with their pids, parent, status and the kernel's time of the exit, which the children
// record themselves on the same clock; a socket whose buffer is too small for a fork storm reports the loss, and the
// count it reports is exactly what a second listener with room for everything received that it did not.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { loadNativeStatBatch } from '../../src/procfs/native-stat-batch.js';
import {
  emptyProcEvent,
  EVENT_RECORD_BYTES,
  openProcEvents,
  parseEventRecords,
  PROC_EVENT_EXIT,
  PROC_EVENT_FORK,
  type ProcEvent,
  type ProcEventListener,
} from '../../src/procfs/proc-events.js';
import { waitFor } from '../helpers/wait.js';

t.test('records: fork and exit decoded field by field, any other kind by its number and time', async (t) => {
  const buf = Buffer.alloc(3 * EVENT_RECORD_BYTES);
  const put = (i: number, what: number, cpuSeq: [number, number], ints: number[], ms: number) => {
    const at = i * EVENT_RECORD_BYTES;
    buf.writeUInt32LE(what, at);
    buf.writeUInt32LE(cpuSeq[0], at + 4);
    buf.writeUInt32LE(cpuSeq[1], at + 8);
    ints.forEach((v, k) => (k < 4 ? buf.writeInt32LE(v, at + 12 + 4 * k) : buf.writeUInt32LE(v, at + 12 + 4 * k)));
    buf.writeDoubleLE(ms, at + 40);
  };
  put(0, PROC_EVENT_FORK, [1, 7], [500, 500, 42, 42, 0, 0], 1234.5);
  put(1, 0x00000002, [0, 4_000_000_000], [0, 0, 0, 0, 0, 0], 1); // PROC_EVENT_EXEC
  put(2, PROC_EVENT_EXIT, [3, 8], [501, 500, 42, 42, 9, 17], 98765.25);
  const seen: ProcEvent[] = [];
  parseEventRecords(buf, 3, (e) => seen.push({ ...e }));
  const base = { parentPid: 42, parentTgid: 42, exitCode: 0, exitSignal: 0 };
  t.same(seen, [
    { ...base, what: 'fork', cpu: 1, seq: 7, pid: 500, tgid: 500, monotonicMs: 1234.5 },
    { ...emptyProcEvent(), seq: 4_000_000_000, monotonicMs: 1 },
    { ...base, what: 'exit', cpu: 3, seq: 8, pid: 501, tgid: 500, exitCode: 9, exitSignal: 17, monotonicMs: 98765.25 },
  ]);
  parseEventRecords(buf, 0, () => t.fail('no record read past count'));
});

const nativeBuilt = loadNativeStatBatch() !== undefined;
const skip = process.platform !== 'linux' ? 'Linux only' : !nativeBuilt && !process.env.CI ? 'addon not built' : false;

/** Drains `l` into `into` until `done` holds. */
async function drainUntil(l: ProcEventListener, into: ProcEvent[], done: () => boolean, what: string): Promise<void> {
  await waitFor(what, () => {
    l.drain((e) => into.push({ ...e }));
    return done();
  });
}

t.test(
  'exits of real children: pids, parent, status, and the time each child read just before it',
  { skip },
  async (t) => {
    const opened = openProcEvents(1 << 20);
    if (!opened.ok) throw new Error(opened.reason);
    const l = opened.listener;
    t.teardown(() => l.close());
    // Each child reads CLOCK_MONOTONIC (Python's time.monotonic) as its last act and exits 3; the parent reaps them
    // and prints pid and time per child. The kernel's event time is the same clock, taken in do_exit.
    const script = [
      'import os, sys, time',
      'out = []',
      'for i in range(5):',
      '    r, w = os.pipe()',
      '    pid = os.fork()',
      '    if pid == 0:',
      '        os.close(r)',
      '        os.write(w, repr(time.monotonic()).encode())',
      '        os._exit(3)',
      '    os.close(w)',
      '    at = float(os.read(r, 64))',
      '    os.waitpid(pid, 0)',
      '    out.append(f"{pid} {at}")',
      'print(os.getpid(), ";".join(out))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    const [parent, list] = r.stdout.trim().split(' ', 2) as [string, string];
    const children = r.stdout
      .trim()
      .slice(parent.length + 1)
      .split(';')
      .map((s) => s.split(' ').map(Number) as [number, number]);
    t.equal(children.length, 5, list);
    const events: ProcEvent[] = [];
    // Pids are reused quickly on a busy host: a child's exit is the first exit of its pid after its fork by this parent.
    const forkOf = (pid: number) =>
      events.findIndex((f) => f.what === 'fork' && f.pid === pid && f.parentTgid === Number(parent));
    const exitOf = (pid: number) => {
      const from = forkOf(pid);
      return from < 0 ? undefined : events.slice(from).find((e) => e.what === 'exit' && e.pid === pid);
    };
    await drainUntil(l, events, () => children.every(([pid]) => exitOf(pid)), 'the five forks and exits');
    for (const [pid, at] of children) {
      const e = exitOf(pid)!;
      t.equal(e.tgid, pid, `${pid}: a single-threaded process, its own group`);
      t.equal(e.parentTgid, Number(parent), 'its exit names the parent that forked it');
      t.equal(e.exitCode, 3 << 8, 'the wait status of exit(3)');
      t.equal(e.exitSignal, 17, 'SIGCHLD to the parent');
      // The child read the clock and then wrote to a pipe and exited: the kernel's time is a little later, never before.
      const late = e.monotonicMs - at * 1000;
      t.ok(late >= 0 && late < 10, `exit ${late.toFixed(3)} ms after the child's last clock reading (within 10 ms)`);
    }
  },
);

t.test('a fork storm overflows a small buffer: the loss is reported, and counted exactly', { skip }, async (t) => {
  // Room for the markers below and what the host does meanwhile (the kernel doubles what is asked), not for the storm.
  const small = openProcEvents(256 << 10);
  const big = openProcEvents(32 << 20);
  if (!small.ok || !big.ok) throw new Error('could not listen');
  t.teardown(() => {
    small.listener.close();
    big.listener.close();
  });
  // A marker on each CPU (taskset): from it on, every CPU's sequence number is followed by both listeners.
  const cpus = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim());
  const markers = () => {
    for (let cpu = 0; cpu < cpus; cpu++) t.equal(spawnSync('taskset', ['-c', String(cpu), 'true']).status, 0);
  };
  markers();
  const drainAll = (l: ProcEventListener) => {
    const got: ProcEvent[] = [];
    const c = l.drain((e) => got.push({ ...e }));
    return { got, ...c };
  };
  const before = drainAll(small.listener);
  // Kept: events after the small one's drain may already be in this one.
  const bigBefore = drainAll(big.listener);

  // 1500 children that exit at once, reaped: over 3,000 events, several times what that buffer holds, and not so many
  // that exporters other tests run meanwhile (8 MiB, drained every 100 ms) lose any.
  const storm = spawn(
    'python3',
    [
      '-c',
      'import os\nfor _ in range(1500):\n    pid = os.fork()\n    if pid == 0: os._exit(0)\n    os.waitpid(pid, 0)',
    ],
    { stdio: 'ignore' },
  );
  await once(storm, 'exit');
  const during = drainAll(small.listener);
  // Markers again: a gap is seen only when a later event from the same CPU arrives.
  markers();
  const after = drainAll(small.listener);
  const smallLast = new Map<number, number>();
  for (const e of [...during.got, ...after.got]) smallLast.set(e.cpu, Math.max(smallLast.get(e.cpu) ?? 0, e.seq));
  // The kernel hands each event to one listener after the other: read the big one until it has caught up.
  const bigAll = { got: [] as ProcEvent[], lost: 0 };
  await waitFor('the big listener to catch up', () => {
    const d = drainAll(big.listener);
    bigAll.got.push(...d.got);
    bigAll.lost += d.lost;
    return [...smallLast].every(([cpu, seq]) => bigAll.got.some((e) => e.cpu === cpu && e.seq >= seq));
  });
  t.equal(bigBefore.lost + bigAll.lost, 0, 'the big buffer lost nothing');
  t.ok(during.overflows + after.overflows >= 1, `recv reported ENOBUFS (${during.overflows + after.overflows} times)`);
  const smallGot = [...during.got, ...after.got];
  const lost = during.lost + after.lost;
  t.ok(lost > 500, `${lost} events lost`);
  t.equal(before.lost, 0, 'nothing lost before the storm');
  // Both listeners see the one stream the kernel numbers per CPU; other processes add events throughout, so compare
  // up to the last number the small one received on each CPU: there, what it lacks is exactly what it says it lost.
  // Each CPU's window opens after the last event the small one had read before the storm: its gaps count from there.
  const lastSeq = new Map<number, number>();
  for (const e of smallGot) lastSeq.set(e.cpu, Math.max(lastSeq.get(e.cpu) ?? 0, e.seq));
  const opened = new Map<number, number>();
  for (const e of before.got) opened.set(e.cpu, Math.max(opened.get(e.cpu) ?? 0, e.seq));
  const inWindow = [...bigBefore.got, ...bigAll.got].filter(
    (e) => opened.has(e.cpu) && lastSeq.has(e.cpu) && e.seq > opened.get(e.cpu)! && e.seq <= lastSeq.get(e.cpu)!,
  );
  t.same([...opened.keys()].sort(), [...lastSeq.keys()].sort(), 'every CPU has events before and after the storm');
  t.equal(smallGot.length + lost, inWindow.length, 'received + lost = what the kernel sent, CPU by CPU');
  t.ok(inWindow.length > 3000, `${inWindow.length} events in the window`);
});

t.test('a closed listener refuses to read', { skip }, async (t) => {
  const opened = openProcEvents(0);
  if (!opened.ok) throw new Error(opened.reason);
  opened.listener.close();
  t.throws(() => opened.listener.drain(() => undefined), { code: 'EBADF' });
});
