import { mkdirSync, writeFileSync } from 'node:fs';
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
    t.same(walk.skipped, { vanished: 1, permission: 0, malformed: 3, io_error: 1 });
    t.same(walk.skipDetails.map((d) => `${d.pid}:${d.reason}:${d.detail}`).sort(), [
      '601:malformed:truncated',
      '602:io_error:EISDIR',
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
  ] as const) {
    const reader = faultyReader(createProcReader(ZOMBIE_TREE, { native: false }), {
      pidFile: (pid) => (pid === 100 || pid === 300 ? code : undefined),
    });
    const walk = walkAll(reader);
    t.equal(walk.processes.length, 18, code);
    t.equal(
      walk.skipped[reason] - (reason === 'vanished' ? 1 : reason === 'io_error' ? 1 : 0),
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
