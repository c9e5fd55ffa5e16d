import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { SourceFailure } from '../../src/sample/sample.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { copyTree, faultyReader, scanTree, ZOMBIE_TREE } from '../helpers/fixtures.js';

const sumParents = (s: ReturnType<ReturnType<typeof createSampleTaker>['take']>) =>
  s.topParents.reduce((n, p) => n + p.zombies, 0) + s.other.zombies;

t.test('the fixture tree, counted exactly and checked against a scan of the files', async (t) => {
  const s = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10, now: () => 1_000_000 }).take();
  const truth = scanTree(ZOMBIE_TREE);
  const truthZombies = truth.filter((p) => p.state === 'Z' && p.threads <= 1);
  t.equal(s.zombies, truthZombies.length);
  t.equal(s.zombies, 9);
  t.equal(s.zombieLeadersWithThreads, truth.filter((p) => p.state === 'Z' && p.threads > 1).length);
  t.equal(s.zombieLeadersWithThreads, 1);
  t.equal(s.zombieParents, new Set(truthZombies.map((p) => p.ppid)).size);
  t.equal(
    s.visibleTasks,
    truth.reduce((n, p) => n + p.threads, 0),
  );
  t.equal(s.visibleTasks, 25);
  t.equal(s.processes, 20);
  t.same(s.processesByState, { R: 1, S: 5, D: 1, Z: 10, T: 1, t: 0, X: 0, I: 2 });
  t.same(
    s.topParents.map((p) => [p.pid, p.comm, p.zombies]),
    [
      [100, 'bash', 4],
      [1, 'systemd', 2],
      [200, 'my app (v2)', 2],
      [300, 'leaky', 1],
    ],
    'most zombies first; ties by oldest, then lower pid',
  );
  t.same(s.topParents[0]!.zombiePids, [101, 102, 103, 104]);
  t.same(s.other, { parents: 0, zombies: 0, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0 });
  t.equal(sumParents(s), s.zombies);
  t.same([s.pidsInUse, s.pidMax, s.threadsMax, s.forksTotal], [412, 32768, 30000, 123456]);
  t.same(s.init, {
    comm: 'systemd',
    userSeconds: 123.45,
    systemSeconds: 67.89,
    sigchld: { ignored: false, caught: true, blocked: false },
  });
  t.same(s.skipped, { vanished: 1, permission: 0, malformed: 3, io_error: 0, not_regular: 1, not_a_pid: 1 });
  t.same(s.sourceErrors, []);
  t.equal(s.timestampMs, 1_000_000);
  t.same([s.zombiesAppearedTotal, s.zombiesReapedTotal, s.oldestZombieAgeSeconds], [9, 0, 0]);
});

t.test('top-N keeps PID 1 and sums the rest into other', async (t) => {
  for (const n of [0, 1, 2, 3]) {
    const s = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: n }).take();
    t.ok(
      s.topParents.some((p) => p.pid === 1),
      `n=${n}: PID 1 present`,
    );
    t.equal(s.topParents.length, n === 0 ? 1 : n < 2 ? n + 1 : n, `n=${n}: bounded`);
    t.equal(sumParents(s), 9, `n=${n}: sums to the total`);
    t.equal(s.other.parents + s.topParents.filter((p) => p.zombies > 0).length, 4);
  }
  const one = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 1 }).take();
  t.same(
    one.topParents.map((p) => p.pid),
    [100, 1],
  );
  t.same(one.other, { parents: 2, zombies: 3, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0 });
});

t.test('PID 1 with no zombies is still listed, at 0', async (t) => {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  rmSync(`${tree.dir}/401`, { recursive: true });
  rmSync(`${tree.dir}/402`, { recursive: true });
  const s = createSampleTaker({ reader: createProcReader(tree.dir), topParents: 1 }).take();
  t.same(
    s.topParents.find((p) => p.pid === 1),
    { pid: 1, comm: 'systemd', zombies: 0, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0, zombiePids: [] },
  );
});

t.test('ages grow from first sight; reaped zombies are counted and forgotten; reused pids start over', async (t) => {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  let now = 1_000_000;
  const c = createSampleTaker({ reader: createProcReader(tree.dir), topParents: 10, now: () => now });
  c.take();
  now += 600_000;
  // A new zombie under 300 appears ten minutes in; 101 is reaped; 102's pid is reused by a new zombie.
  mkdirSync(`${tree.dir}/303`);
  writeFileSync(`${tree.dir}/303/stat`, writeFileSyncLine(303, 'child', 'Z', 300, 5_000));
  rmSync(`${tree.dir}/101`, { recursive: true });
  writeFileSync(`${tree.dir}/102/stat`, writeFileSyncLine(102, 'worker', 'Z', 100, 99_999));
  const s = c.take();
  const bash = s.topParents.find((p) => p.pid === 100)!;
  t.equal(bash.zombies, 3);
  t.equal(bash.oldestAgeSeconds, 600, 'oldest of 103/104, first seen ten minutes ago');
  t.same(bash.zombiePids, [103, 104, 102], 'oldest first: the reused pid is the newest');
  t.equal(s.oldestZombieAgeSeconds, 600);
  const leaky = s.topParents.find((p) => p.pid === 300)!;
  t.same([leaky.zombies, leaky.oldestAgeSeconds, leaky.zombiePids], [2, 600, [301, 303]]);
  t.same(
    [s.zombiesAppearedTotal, s.zombiesReapedTotal],
    [11, 2],
    '303 appeared; 102 reused counts as reaped and appeared',
  );
  t.equal(s.zombies, 9);
});

function writeFileSyncLine(pid: number, comm: string, state: string, ppid: number, start: number): string {
  const f = [pid, `(${comm})`, state, ppid, pid, pid, 0, -1, 4194560, 100, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, start];
  while (f.length < 52) f.push(0);
  return `${f.join(' ')}\n`;
}

t.test('only the proc root fails the sample; every host file leaves out only what needs it', async (t) => {
  const base = createProcReader(ZOMBIE_TREE);
  // What each missing file takes out of the sample: the fixture has loadavg 412 tasks, pid_max 32768, threads-max
  // 30000 (the limit), 25 visible tasks.
  for (const [rel, source, inUse, kernelTasks, pidMax, threadsMax, limit, limitedBy] of [
    ['loadavg', 'loadavg', null, null, 32768, 30000, 30000, 'threads_max'],
    ['sys/kernel/pid_max', 'pid_max', 412, 412, null, 30000, null, null],
    ['sys/kernel/threads-max', 'threads_max', 412, 412, 32768, null, null, null],
  ] as const) {
    const s = createSampleTaker({
      reader: faultyReader(base, { text: (r) => (r === rel ? 'EIO' : undefined) }),
      topParents: 10,
    }).take();
    t.same(s.sourceErrors, [{ source, message: `read ${rel}: EIO` }], `${rel}: a source error`);
    t.same(
      [s.pidsInUse, s.kernelTasks, s.pidMax, s.threadsMax, s.pidLimit, s.pidLimitedBy, s.pidUsageUnknown],
      [inUse, kernelTasks, pidMax, threadsMax, limit, limitedBy, [source]],
      `${rel}: PID usage unknown, what needs no ${rel} kept`,
    );
    t.same(
      [s.zombies, s.zombieParents, s.visibleTasks, s.init?.comm],
      [9, 4, 25, 'systemd'],
      `${rel}: the walk counts`,
    );
  }
  const none = createSampleTaker({
    reader: faultyReader(base, { text: (r) => (['loadavg', 'sys/kernel/pid_max'].includes(r) ? 'ENOENT' : undefined) }),
    topParents: 10,
  }).take();
  t.same(none.pidUsageUnknown, ['loadavg', 'pid_max'], 'two missing: both named, in source order');
  t.equal(none.zombies, 9, 'pids listed: still a proc root, sampled');
  const unlisted = createSampleTaker({ reader: faultyReader(base, { list: () => 'ENOENT' }), topParents: 10 });
  t.throws(
    () => unlisted.take(),
    new SourceFailure('procfs_root', 'list the proc root: ENOENT'),
    'the root path is not in the message',
  );
  const gone = createSampleTaker({
    reader: faultyReader(base, { list: () => 'ENOENT', text: () => 'ENOENT' }),
    topParents: 10,
  });
  t.throws(
    () => gone.take(),
    new SourceFailure('procfs_root', 'list the proc root: ENOENT'),
    'a root that went away is named as such',
  );

  const partial = createSampleTaker({
    reader: faultyReader(base, {
      text: (r) => (['sys/kernel/threads-max', 'stat', '1/status'].includes(r) ? 'EIO' : undefined),
    }),
    topParents: 10,
  }).take();
  t.equal(partial.threadsMax, null);
  t.equal(partial.forksTotal, null);
  t.equal(partial.init?.sigchld, null);
  t.same(
    partial.sourceErrors.map((e) => e.source),
    ['threads_max', 'stat', 'init'],
  );
  t.equal(partial.zombies, 9, 'the walk still counts');
  t.same(partial.pidUsageUnknown, ['threads_max']);

  const hidden = createSampleTaker({
    reader: faultyReader(base, { text: (r) => (r === '1/status' ? 'EACCES' : undefined) }),
    topParents: 10,
  }).take();
  t.same(hidden.sourceErrors, [], 'PID 1 hidden by hidepid is a view, not an error');
  t.equal(hidden.init?.sigchld, null);
});

t.test('a folder with no pid directory, no loadavg and no pid_max is no proc root: the sample fails', async (t) => {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  const c = createSampleTaker({ reader: createProcReader(tree.dir), topParents: 10 });
  t.equal(c.take().zombies, 9);
  // The mount point left when a bind-mounted /host/proc goes away: the folder is there, and empty.
  renameSync(tree.dir, `${tree.dir}.full`);
  mkdirSync(tree.dir);
  t.throws(
    () => c.take(),
    new SourceFailure('procfs_root', 'no pid directories, no loadavg and no sys/kernel/pid_max: not a proc filesystem'),
  );
  rmSync(tree.dir, { recursive: true });
  renameSync(`${tree.dir}.full`, tree.dir);
  const back = c.take();
  t.same([back.zombies, back.zombiesReapedTotal], [9, 0], 'nothing was counted as reaped while it looked empty');

  // Either file, or a single pid directory, makes it a proc root missing some files, and it is sampled.
  for (const keep of ['loadavg', 'sys/kernel/pid_max', '500']) {
    const partial = copyTree(ZOMBIE_TREE);
    t.teardown(partial.remove);
    for (const name of readdirSync(partial.dir))
      if (name !== keep.split('/')[0]) rmSync(`${partial.dir}/${name}`, { recursive: true });
    if (keep !== 'sys/kernel/pid_max') rmSync(`${partial.dir}/sys`, { recursive: true, force: true });
    else rmSync(`${partial.dir}/sys/kernel/threads-max`);
    const s = createSampleTaker({ reader: createProcReader(partial.dir), topParents: 10 }).take();
    t.equal(s.zombies, 0, `only ${keep}: sampled`);
  }
});

t.test('a malformed host file is a parse failure with the file named', async (t) => {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  writeFileSync(`${tree.dir}/loadavg`, 'nonsense\n');
  const junk = createSampleTaker({ reader: createProcReader(tree.dir), topParents: 10 }).take();
  t.same(junk.sourceErrors, [{ source: 'loadavg', message: 'parse loadavg: not a loadavg line' }]);
  t.same([junk.pidsInUse, junk.pidUsageUnknown, junk.zombies], [null, ['loadavg'], 9]);
  writeFileSync(`${tree.dir}/loadavg`, '0.52 0.58 0.59 3/412 30211\n');
  writeFileSync(`${tree.dir}/1/status`, 'Name:\tsystemd\n');
  const s = createSampleTaker({ reader: createProcReader(tree.dir), topParents: 10 }).take();
  t.same(s.sourceErrors, [{ source: 'init', message: 'parse 1/status: missing signal masks' }]);
});

t.test('leaking top parents carry their state, owner, cgroup and a start-time bound; others do not', async (t) => {
  const s = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take();
  const by = (pid: number) => s.topParents.find((p) => p.pid === pid)!;
  // uptime 5000 s; the oldest zombies started at ticks 701 (under 100, 200) and 801 (under 300), 900 (under 1).
  t.same(
    [100, 1, 200, 300].map((pid) => {
      const { state, uid, user, cgroup, oldestStartedSecondsAgo } = by(pid);
      return [pid, state, uid, user, cgroup, oldestStartedSecondsAgo];
    }),
    [
      [100, 'S', 1000, 'alice', '/user.slice/user-1000.slice/session-3.scope', 4992.99],
      [1, 'S', 0, 'root', '/init.scope', 4991],
      [200, 'S', 999, null, '/system.slice/my-app.service', 4992.99],
      [300, 'R', null, null, null, 4991.99],
    ],
    'uid 1000 is named by the first passwd line; 999 has no name; 300 has no status or cgroup file',
  );
  t.equal(s.firstSampleMs, s.timestampMs, 'one look: the first sample is this one');
});

t.test(
  'parent details: unreadable files and a missing parent read as null; a parent without zombies gets none',
  async (t) => {
    const tree = copyTree(ZOMBIE_TREE);
    t.teardown(tree.remove);
    rmSync(`${tree.dir}/200`, { recursive: true }); // the parent exits before its zombies are reaped
    rmSync(`${tree.dir}/401`, { recursive: true });
    rmSync(`${tree.dir}/402`, { recursive: true });
    const reader = faultyReader(createProcReader(tree.dir), {
      text: (rel) => (rel === '100/status' || rel === 'uptime' || rel === '1/root/etc/passwd' ? 'EACCES' : undefined),
    });
    const s = createSampleTaker({ reader, topParents: 10 }).take();
    const bash = s.topParents.find((p) => p.pid === 100)!;
    t.same(
      [bash.state, bash.uid, bash.user, bash.cgroup, bash.oldestStartedSecondsAgo],
      ['S', null, null, '/user.slice/user-1000.slice/session-3.scope', null],
    );
    const gone = s.topParents.find((p) => p.pid === 200)!;
    t.same([gone.comm, gone.state, gone.uid, gone.cgroup], ['', null, null, null]);
    t.same(Object.keys(s.topParents.find((p) => p.pid === 1)!), [
      'pid',
      'comm',
      'zombies',
      'oldestAgeSeconds',
      'heldSeconds',
      'newestAgeSeconds',
      'zombiePids',
    ]);
    t.equal(s.zombies, 7, 'the walk is unaffected');
    t.same(s.sourceErrors, []);
  },
);

t.test("a proc root other than /proc never falls back to this machine's passwd", async (t) => {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  rmSync(`${tree.dir}/1/root`, { recursive: true });
  const s = createSampleTaker({ reader: createProcReader(tree.dir), topParents: 10 }).take();
  const bash = s.topParents.find((p) => p.pid === 100)!;
  t.same([bash.uid, bash.user], [1000, null], 'uid known, name unknown rather than guessed from the wrong host');
  t.throws(() => createProcReader(tree.dir).readPasswd(), { code: 'ENOENT' });
  t.match(
    createProcReader('/proc').readPasswd(),
    /^root:/m,
    'for /proc itself a passwd is always found: /proc/1/root/etc/passwd, else /etc/passwd',
  );
});

t.test('firstSampleMs stays at the first sample, so ages can say "already there"', async (t) => {
  let now = 1_000_000;
  const c = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10, now: () => now });
  c.take();
  now += 5000;
  const s = c.take();
  t.same([s.firstSampleMs, s.timestampMs, s.oldestZombieAgeSeconds], [1_000_000, 1_005_000, 5]);
});
