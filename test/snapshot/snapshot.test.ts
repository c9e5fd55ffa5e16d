import t from 'tap';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { toSnapshot } from '../../src/snapshot/snapshot.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const collect = (topParents = 10, now = () => 1_700_000_000_000) =>
  createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents, now }).take();

t.test('the fixture tree as a snapshot', async (t) => {
  const sample = collect();
  const s = toSnapshot(sample);
  t.same([s.time, s.timestampMs, s.watchingSeconds], ['2023-11-14T22:13:20.000Z', 1_700_000_000_000, 0]);
  t.same(s.zombies, {
    total: 9,
    parents: 4,
    oldestAgeSeconds: 0,
    leadersWithThreads: 1,
    appearedTotal: 9,
    reapedTotal: 0,
    reparentedTotal: 0,
  });
  t.same(s.pids, {
    frame: 'host',
    inUse: 412,
    limit: 30000,
    limitedBy: 'threads_max',
    usage: 412 / 30000,
    unknown: [],
    pidMax: 32768,
    threadsMax: 30000,
    kernelTasks: 412,
    visibleTasks: 25,
  });
  t.same(s.init, {
    comm: 'systemd',
    userCpuSeconds: 123.45,
    systemCpuSeconds: 67.89,
    sigchld: { ignored: false, caught: true, blocked: false },
    zombies: 2,
    heldSeconds: 0,
  });
  t.same(s.processes, { total: 20, byState: { R: 1, S: 5, D: 1, Z: 10, T: 1, t: 0, X: 0, I: 2 }, forksTotal: 123456 });
  t.same(
    s.parents.map((p) => [p.pid, p.comm, p.zombies, p.user, p.state]),
    [
      [100, 'bash', 4, 'alice', 'S'],
      [1, 'systemd', 2, 'root', 'S'],
      [200, 'my app (v2)', 2, null, 'S'],
      [300, 'leaky', 1, null, 'R'],
    ],
  );
  t.match(s.parents[0]!.nextStep, "`kill -TERM 100` hands its 4 zombies to its PID namespace's init");
  t.match(s.parents[1]!.nextStep, 'Only fixing init helps');
  t.same(
    s.parents.map((p) => p.nextCommand),
    ['kill -TERM 100', null, 'kill -TERM 200', 'kill -TERM 300'],
  );
  t.same(s.skipped, { vanished: 1, permission: 0, malformed: 3, io_error: 0, not_regular: 1, not_a_pid: 1 });
  t.same(
    s.parents.reduce((n, p) => n + p.zombies, 0) + s.otherParents.zombies,
    s.zombies.total,
    'parents and other add up',
  );
});

t.test('plain data: survives JSON and structured clone unchanged (Sample and Snapshot)', async (t) => {
  const sample = collect();
  t.same(structuredClone(sample), sample);
  const s = toSnapshot(sample);
  t.same(JSON.parse(JSON.stringify(s)), s);
  s.parents[0]!.zombiePids.push(1);
  s.processes.byState.R = 99;
  t.same(sample.topParents[0]!.zombiePids, [101, 102, 103, 104], 'a snapshot shares nothing mutable with its sample');
  t.equal(sample.processesByState.R, 1);
});

t.test('parents beyond the top N sum into otherParents; PID 1 without zombies is not a parent', async (t) => {
  const s = toSnapshot(collect(1));
  t.same(
    s.parents.map((p) => p.pid),
    [100, 1],
    'PID 1 always stays in the sample, so it stays a listed parent',
  );
  t.same(s.otherParents, { parents: 2, zombies: 3, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0 });
  t.equal(s.init?.zombies, 2, '... and counted as PID 1 adopted zombies');
});

t.test('watchingSeconds grows from the first sample; PID limit is the lower of the two limits', async (t) => {
  let now = 1_000_000;
  const c = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10, now: () => now });
  c.take();
  now += 90_000;
  t.equal(toSnapshot(c.take()).watchingSeconds, 90);
  const snap = toSnapshot(c.take());
  t.same(
    [snap.pids.frame, snap.pids.limit, snap.pids.limitedBy],
    ['host', 30000, 'threads_max'],
    "the fixture's threads-max is the lower limit",
  );
  const s = toSnapshot({ ...collect(), init: null, pidMax: 0, threadsMax: null, pidLimit: 0 });
  t.same([s.init, s.pids.usage], [null, 0], 'no PID 1, no limit: no division by zero');
});

t.test('PID usage without pid_max: unknown and saying so, never a usage of 0; the zombies as they were', async (t) => {
  const tree = createProcReader(ZOMBIE_TREE);
  const reader = { ...tree, readText: (rel: string) => (rel === 'sys/kernel/pid_max' ? 'junk\n' : tree.readText(rel)) };
  const s = toSnapshot(createSampleTaker({ reader, topParents: 10 }).take());
  t.same(s.pids, {
    frame: 'host',
    inUse: 412,
    limit: null,
    limitedBy: null,
    usage: null,
    unknown: ['pid_max'],
    pidMax: null,
    threadsMax: 30000,
    kernelTasks: 412,
    visibleTasks: 25,
  });
  t.same(s.sourceErrors, [{ source: 'pid_max', message: 'parse sys/kernel/pid_max: not a single integer' }]);
  t.same([s.zombies.total, s.parents.length, s.init?.zombies], [9, 4, 2]);
  t.same(JSON.parse(JSON.stringify(s)), s, 'nulls survive JSON');
});
