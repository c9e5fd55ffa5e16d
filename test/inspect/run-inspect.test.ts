// runInspect in-process with a fake terminal: every mode, the exit codes, and --watch stopping on request.

import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { CLEAR_SCREEN, runInspect, type InspectIo } from '../../src/inspect/run-inspect.js';
import type { Snapshot } from '../../src/snapshot/snapshot.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';

interface FakeIo extends InspectIo {
  out: string[];
  err: string[];
}

/** A fake terminal; with stopAfterFrames, "presses Ctrl-C" once that many frames have been written. */
function fakeIo(isTTY = false, stopAfterFrames = Infinity): FakeIo {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const io: FakeIo = {
    out: [],
    err: [],
    isTTY,
    stdout(text) {
      io.out.push(text);
      if (io.out.length + io.err.length >= stopAfterFrames) stop();
    },
    stderr(text) {
      io.err.push(text);
      if (io.out.length + io.err.length >= stopAfterFrames) stop();
    },
    stopRequested: () => stopped,
  };
  return io;
}

t.test('one look: the table on stdout, exit 0', async (t) => {
  const io = fakeIo();
  t.equal(await runInspect([`--path.procfs=${ZOMBIE_TREE}`], io), 0);
  t.same(io.err, []);
  t.equal(io.out.length, 1);
  t.match(io.out[0], /^zombie-exporter inspect: \S+ at \S+Z \(one look at 20 processes in [\d.]+ ms\)\n/);
  t.match(
    io.out[0],
    /^100 {2}bash {9}S sleeping {2}alice {10}4 {2}≤1h23m {2}0s {4}\/user\.slice\/user-1000\.slice\/session-3\.scope$/m,
  );
  t.match(io.out[0], /^ {5}zombies: 101 102 103 104$/m);
  t.notMatch(io.out[0], CLEAR_SCREEN);
});

t.test('--json: the snapshot, pretty-printed', async (t) => {
  const io = fakeIo();
  t.equal(await runInspect([`--path.procfs=${ZOMBIE_TREE}`, '--json', '--zombies.top-parents=1'], io), 0);
  const s = JSON.parse(io.out.join('')) as Snapshot;
  t.same([s.zombies.total, s.parents.map((p) => p.pid), s.otherParents.zombies], [9, [100, 1], 3]);
  t.match(io.out[0], /^\{\n {2}"time": /);
});

t.test('check mode: the status line and its exit code', async (t) => {
  for (const [flags, code, start] of [
    [['--warn.zombies=9'], 0, 'OK - 9 zombies'],
    [['--warn.zombies=8', '--crit.zombies=20'], 1, 'WARNING - 9 zombies (> 8)'],
    [['--crit.zombies=8'], 2, 'CRITICAL - 9 zombies (> 8)'],
    [['--warn.pid-usage=1%'], 1, 'WARNING - PIDs 412/30000 (1.4%) (> 1.0%)'],
  ] as const) {
    const io = fakeIo();
    t.equal(await runInspect([`--path.procfs=${ZOMBIE_TREE}`, ...flags], io), code, flags.join(' '));
    t.equal(io.out.length, 1);
    t.ok(io.out[0]!.startsWith(start), `${io.out[0]}`);
    t.equal(io.out[0]!.split('\n').length, 2, 'exactly one line');
    t.same(io.err, []);
  }
});

t.test('UNKNOWN (3) when the proc root cannot be read, in every mode', async (t) => {
  const check = fakeIo();
  t.equal(await runInspect(['--path.procfs=/nonexistent', '--crit.zombies=0'], check), 3);
  t.same(check.out, ['UNKNOWN - --path.procfs=/nonexistent: cannot read the proc root (list the proc root: ENOENT)\n']);
  const table = fakeIo();
  t.equal(await runInspect(['--path.procfs=/nonexistent'], table), 3);
  t.same(table.err, [
    'zombie-exporter: error: --path.procfs=/nonexistent: cannot read the proc root (list the proc root: ENOENT)\n',
  ]);
  t.same(table.out, []);
});

t.test('bad flags: one line on stderr, exit 3; a check also says UNKNOWN on stdout', async (t) => {
  const plain = fakeIo();
  t.equal(await runInspect(['--bogus'], plain), 3);
  t.same([plain.out, plain.err], [[], ['zombie-exporter: error: unknown flag --bogus, try inspect --help\n']]);
  const check = fakeIo();
  t.equal(await runInspect(['--crit.zombies=lots'], check), 3);
  t.same(check.out, [
    'UNKNOWN - --crit.zombies: invalid value "lots" (want a whole number of zombies, e.g. 0 or 50)\n',
  ]);
  t.equal(check.err.length, 1);
  const help = fakeIo();
  t.equal(await runInspect(['--help'], help), 0);
  t.match(help.out[0], /^usage: zombie-exporter inspect/);
});

t.test(
  '--watch on a terminal: each frame clears the screen; ages count from the first look; Ctrl-C exits 0',
  async (t) => {
    const io = fakeIo(true, 3);
    t.equal(await runInspect([`--path.procfs=${ZOMBIE_TREE}`, '--watch=100ms'], io), 0);
    t.equal(io.out.length, 3, 'no frame after the stop');
    for (const frame of io.out) t.ok(frame.startsWith(CLEAR_SCREEN), 'redrawn in place');
    t.match(io.out[0], '(every 100ms, watching for 0s; Ctrl-C to stop)');
    t.match(io.out[2], /watching for 0s; Ctrl-C/, 'a fixture tree never changes; the sub-second watch rounds down');
    t.match(io.out[2], /≥0s ≤1h23m|≤1h23m/);
    t.match(io.out[2], "OLDEST: how long ago the oldest zombie exited, from the kernel's record of its last run");
  },
);

t.test('--watch off a terminal: no escape codes; --json gives one object per line', async (t) => {
  const plain = fakeIo(false, 2);
  t.equal(await runInspect([`--path.procfs=${ZOMBIE_TREE}`, '--watch=100ms'], plain), 0);
  t.notMatch(plain.out.join(''), '\x1b');
  t.ok(
    plain.out.every((f) => f.endsWith('\n\n')),
    'frames a blank line apart',
  );
  const json = fakeIo(false, 3);
  t.equal(await runInspect([`--path.procfs=${ZOMBIE_TREE}`, '--watch=100ms', '--json'], json), 0);
  const frames = json.out.map((line) => {
    t.equal(line.split('\n').length, 2, 'one line each');
    return JSON.parse(line) as Snapshot;
  });
  // Two intervals, give or take the millisecond a timer may fire early by.
  t.ok(frames[2]!.watchingSeconds >= 0.19, `watching ${frames[2]!.watchingSeconds}s after three frames 100ms apart`);
  t.ok(frames[2]!.timestampMs > frames[0]!.timestampMs);
});

t.test('--watch keeps going when a look fails, saying why each time', async (t) => {
  const io = fakeIo(false, 2);
  t.equal(await runInspect(['--path.procfs=/nonexistent', '--watch=100ms'], io), 0);
  t.same(io.err, [
    'zombie-exporter: error: --path.procfs=/nonexistent: cannot read the proc root (list the proc root: ENOENT)\n',
    'zombie-exporter: error: --path.procfs=/nonexistent: cannot read the proc root (list the proc root: ENOENT)\n',
  ]);
});

t.test(
  'a parent whose comm and cgroup carry escape sequences and newlines cannot drive the terminal or forge rows',
  async (t) => {
    const tree = copyTree(ZOMBIE_TREE);
    t.teardown(tree.remove);
    const stat = readFileSync(`${tree.dir}/300/stat`, 'utf8').replace('(leaky)', '(\x1b[2J\nfake 1)');
    writeFileSync(`${tree.dir}/300/stat`, stat);
    writeFileSync(`${tree.dir}/300/cgroup`, '0::/a\x1b]0;title\x07\u202eb\n');
    const io = fakeIo();
    t.equal(await runInspect([`--path.procfs=${tree.dir}`], io), 0);
    const out = io.out.join('');
    t.notMatch(out, '\x1b', 'no escape character reaches the terminal');
    t.notMatch(out, '\u202e');
    t.match(out, /^300 {2}\\x1b\[2J\\x0afake 1 {2}R running/m, 'the comm, escaped, on its own row');
    t.match(out, '/a\\x1b]0;title\\x07\\u202eb');
    t.match(out, /^ {4}kill -TERM 300 {2}# \\x1b\[2J\\x0afake 1: 1 zombie$/m, 'and in the next steps');
  },
);
