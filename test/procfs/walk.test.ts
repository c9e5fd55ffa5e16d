import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadNativeStatBatch } from '../../src/procfs/native-stat-batch.js';
import { decodeComm, type ProcStat } from '../../src/procfs/parse-proc-stat.js';
import { createProcReader, skipReasonFor, type ProcReader } from '../../src/procfs/reader.js';
import { ProcessWalker } from '../../src/procfs/walk.js';
import { copyTree, faultyReader, scanTree, ZOMBIE_TREE } from '../helpers/fixtures.js';

/** Walks and keeps a decoded copy of every process the visitor is handed (the walk itself keeps nothing). */
function walkAll(reader: ProcReader) {
  const processes: ProcStat[] = [];
  const walker = new ProcessWalker(reader);
  const result = walker.walk((f, b) => {
    const { commStart: _s, commEnd: _e, ...rest } = f;
    processes.push({ ...rest, comm: decodeComm(b, f) });
  });
  return { ...result, processes, count: result.processes, method: walker.method };
}

const nativeBuilt = loadNativeStatBatch() !== undefined;
if (!nativeBuilt && process.env.CI)
  throw new Error('the native stat reader must be built under CI (npm ci runs its install script)');
const READERS: [string, (root: string) => ProcReader][] = [
  ['node:fs', (root) => createProcReader(root, { native: false })],
  ...(nativeBuilt
    ? [['native', (root: string) => createProcReader(root)] as [string, (root: string) => ProcReader]]
    : []),
];
if (!nativeBuilt)
  t.comment('native stat reader not built (npm install builds it when g++ is present): testing node:fs only');

for (const [name, make] of READERS) {
  t.test(`${name}: the fixture tree, every readable leader once, every bad entry skipped by reason`, async (t) => {
    const walk = walkAll(make(ZOMBIE_TREE));
    t.equal(walk.method, name === 'native' ? 'native' : 'node');
    const truth = scanTree(ZOMBIE_TREE);
    t.same(
      walk.processes.map((p) => p.pid).sort((a, b) => a - b),
      truth.map((p) => p.pid).sort((a, b) => a - b),
    );
    t.equal(walk.processes.length, 20);
    t.equal(walk.count, 20, 'the count it returns is what it visited');
    for (const p of walk.processes) {
      const g = truth.find((x) => x.pid === p.pid)!;
      t.same([p.state, p.ppid, p.numThreads], [g.state, g.ppid, g.threads], `pid ${p.pid}`);
    }
    // 602's stat is a directory: never read, whichever walker; 1x is a digit-led entry that names no pid.
    t.same(walk.skipped, {
      vanished: 1,
      permission: 0,
      malformed: 3,
      io_error: 0,
      not_regular: 1,
      not_a_pid: 1,
    });
    t.same(walk.skipDetails.map((d) => `${d.pid}:${d.reason}:${d.detail}`).sort(), [
      '601:malformed:truncated',
      '602:not_regular:ENOTREG',
      '603:malformed:empty',
      '604:malformed:bad_state',
    ]);
    t.notOk(
      walk.processes.some((p) => p.pid === 999 || p.pid === 998),
      'self and 1x are not pids',
    );
    const p201 = walk.processes.find((p) => p.pid === 201)!;
    t.same(
      [p201.comm, p201.state, p201.ppid],
      [') Z 1 (x', 'Z', 200],
      'the directory name is the pid; comm up to the last )',
    );
  });

  t.test(`${name}: an oversized stat file is malformed, not misread`, async (t) => {
    const tree = copyTree(ZOMBIE_TREE);
    t.teardown(tree.remove);
    writeFileSync(`${tree.dir}/300/stat`, `300 (big) S 1 ${'9 '.repeat(3000)}\n`);
    const walk = walkAll(make(tree.dir));
    t.same(
      walk.skipDetails.find((d) => d.pid === 300),
      { pid: 300, reason: 'malformed', detail: 'oversized' },
    );
    t.equal(walk.processes.length, 19);
  });

  t.test(
    `${name}: a walk spanning several native calls returns every record intact, each under its own pid`,
    async (t) => {
      const tree = copyTree(ZOMBIE_TREE);
      t.teardown(tree.remove);
      // Records of different lengths (comm 1-15 bytes, numbers of 5 digits), each carrying its pid three ways: a field
      // read from the wrong record, or a record shifted by a few bytes, shows as a mismatch for that pid.
      const comm = (pid: number) => `f${'x'.repeat(pid % 14)}${pid % 10}`;
      const line = (pid: number) =>
        `${pid} (${comm(pid)}) S ${pid - 5000} ${pid} ${pid} 0 -1 4194560 ${'0 '.repeat(8)}20 0 ${1 + (pid % 7)} 0 ${pid * 3}${' 0'.repeat(30)}\n`;
      const fillers = new Map<number, { comm: string; ppid: number; numThreads: number; startTimeTicks: number }>();
      for (let pid = 10_000; pid < 11_500; pid++) {
        mkdirSync(`${tree.dir}/${pid}`);
        writeFileSync(`${tree.dir}/${pid}/stat`, line(pid));
        fillers.set(pid, { comm: comm(pid), ppid: pid - 5000, numThreads: 1 + (pid % 7), startTimeTicks: pid * 3 });
      }
      const walker = new ProcessWalker(make(tree.dir));
      for (let round = 0; round < 2; round++) {
        const seen = new Map<number, { comm: string; ppid: number; numThreads: number; startTimeTicks: number }>();
        let twice = 0;
        const r = walker.walk((f, b) => {
          if (seen.has(f.pid)) twice++;
          seen.set(f.pid, {
            comm: decodeComm(b, f),
            ppid: f.ppid,
            numThreads: f.numThreads,
            startTimeTicks: f.startTimeTicks,
          });
        });
        t.equal(r.processes, 1520, `round ${round}: all of them`);
        t.equal(twice, 0, `round ${round}: each pid visited once`);
        const wrong = [...fillers]
          .filter(([pid, want]) => JSON.stringify(seen.get(pid)) !== JSON.stringify(want))
          .map(([pid]) => pid);
        t.same(wrong, [], `round ${round}: every filler's fields read from its own record`);
      }
    },
  );

  t.test(`${name}: an unlistable root throws with the errno`, async (t) => {
    t.throws(() => walkAll(make('/nonexistent-proc-root')), { code: 'ENOENT' });
  });
}

t.test('errors on open or read map to reasons; none fails the walk', async (t) => {
  for (const [code, reason] of [
    ['ENOENT', 'vanished'],
    ['ESRCH', 'vanished'],
    ['EACCES', 'permission'],
    ['EPERM', 'permission'],
    ['EIO', 'io_error'],
    ['EMFILE', 'io_error'],
    ['ENOTREG', 'not_regular'],
    ['ELOOP', 'not_regular'],
  ] as const) {
    const reader = faultyReader(createProcReader(ZOMBIE_TREE, { native: false }), {
      pidFile: (pid) => (pid === 100 || pid === 300 ? code : undefined),
    });
    const walk = walkAll(reader);
    t.equal(walk.processes.length, 18, code);
    t.equal(
      // The tree itself has one vanished pid and one stat that is a directory.
      walk.skipped[reason] - (reason === 'vanished' || reason === 'not_regular' ? 1 : 0),
      2,
      `${code} -> ${reason}`,
    );
    t.equal(skipReasonFor(Object.assign(new Error(), { code })), reason);
  }
  t.equal(skipReasonFor('not an error'), 'io_error');
});

t.test(
  'native and node:fs agree on the real /proc',
  { skip: nativeBuilt ? false : 'native reader not built' },
  async (t) => {
    // Processes come and go between two walks, so compare the pids both saw, field by field, for stable fields.
    const a = walkAll(createProcReader('/proc', { native: false }));
    const b = walkAll(createProcReader('/proc'));
    const byPid = new Map(b.processes.map((p) => [p.pid, p]));
    let compared = 0;
    for (const p of a.processes) {
      const q = byPid.get(p.pid);
      if (q?.startTimeTicks !== p.startTimeTicks) continue;
      t.same([q.ppid, q.comm], [p.ppid, p.comm], `pid ${p.pid}`);
      compared++;
    }
    t.ok(compared > 10, `${compared} processes compared`);
  },
);

/** A stat line for `pid`, a sleeping child of PID 1. */
const statLine = (pid: number) =>
  `${pid} (w) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 10 ${'0 '.repeat(30).trim()}\n`;

for (const [name, make] of READERS) {
  t.test(`${name}: a stat that is a FIFO or a symlink is skipped as not_regular, never read`, async (t) => {
    const tree = copyTree(ZOMBIE_TREE);
    t.teardown(tree.remove);
    // A FIFO nobody writes: a blocking open() would wait for a writer for good, and this walk would never end.
    rmSync(`${tree.dir}/201/stat`);
    execFileSync('mkfifo', [`${tree.dir}/201/stat`]);
    // A symlink to a good stat file: procfs never puts one there, so it is refused rather than followed.
    rmSync(`${tree.dir}/202/stat`);
    symlinkSync(`${tree.dir}/200/stat`, `${tree.dir}/202/stat`);
    const walk = walkAll(make(tree.dir));
    t.equal(walk.skipped.not_regular, 3, "the FIFO, the symlink, and the tree's own directory");
    t.same(
      walk.skipDetails.filter((d) => d.reason === 'not_regular').map((d) => `${d.pid}:${d.detail}`),
      ['201:ENOTREG', '202:ELOOP', '602:ENOTREG'],
    );
    t.equal(walk.count, 18, 'every other leader is read');
  });

  t.test(
    `${name}: only canonical decimals in the kernel's pid range are pids; the rest count as not_a_pid`,
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'ze-names-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const names = ['1', '12', '4194303', '4194304', '00012', '0', '2147483647', '2147483648', '4294967296', '12x'];
      for (const n of names) {
        mkdirSync(`${dir}/${n}`);
        writeFileSync(`${dir}/${n}/stat`, statLine(Number.parseInt(n, 10)));
      }
      for (const own of ['self', 'sys', 'net']) mkdirSync(`${dir}/${own}`);
      // Ground truth another way: the decimal's own text, and 2^22 (PID_MAX_LIMIT on 64-bit kernels) as the bound.
      const truth = names.filter((n) => /^[1-9][0-9]*$/.test(n) && BigInt(n) < 2n ** 22n);
      const walk = walkAll(make(dir));
      t.same(walk.processes.map((p) => String(p.pid)).sort(), [...truth].sort());
      t.equal(walk.skipped.not_a_pid, names.length - truth.length, "self, sys and net are procfs's own, not counted");
    },
  );
}
