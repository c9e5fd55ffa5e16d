import t from 'tap';
import { createProcReader } from '../../src/procfs/reader.js';
import { skipReasonFor } from '../../src/procfs/reader.js';
import { decodeComm, type ProcStat } from '../../src/procfs/parse-stat.js';
import type { ProcReader } from '../../src/procfs/reader.js';
import { walkProcesses } from '../../src/procfs/walk.js';

/** Walks and keeps a decoded copy of every process the visitor is handed (the walk itself keeps nothing). */
function walkAll(reader: ProcReader, buf?: Buffer) {
  const processes: ProcStat[] = [];
  const result = walkProcesses(
    reader,
    (f, b) => {
      const { commStart: _s, commEnd: _e, ...rest } = f;
      processes.push({ ...rest, comm: decodeComm(b, f) });
    },
    buf,
  );
  return { ...result, processes, count: result.processes };
}
import { faultyReader, scanTree, ZOMBIE_TREE } from '../helpers/fixtures.js';

t.test('the fixture tree: every readable leader once, every bad entry skipped by reason', async (t) => {
  const walk = walkAll(createProcReader(ZOMBIE_TREE));
  const truth = scanTree(ZOMBIE_TREE);
  t.same(walk.processes.map((p) => p.pid).sort((a, b) => a - b), truth.map((p) => p.pid).sort((a, b) => a - b));
  t.equal(walk.processes.length, 20);
  t.equal(walk.count, 20, 'the count it returns is what it visited');
  for (const p of walk.processes) {
    const g = truth.find((x) => x.pid === p.pid)!;
    t.same([p.state, p.ppid, p.numThreads], [g.state, g.ppid, g.threads], `pid ${p.pid}`);
  }
  t.same(walk.skipped, { vanished: 1, permission: 0, malformed: 3, io_error: 1 });
  t.same(
    walk.skipDetails.map((d) => `${d.pid}:${d.reason}:${d.detail}`).sort(),
    ['601:malformed:truncated', '602:io_error:EISDIR', '603:malformed:empty', '604:malformed:bad_state'],
  );
  t.notOk(walk.processes.some((p) => p.pid === 999 || p.pid === 998), 'self and 1x are not pids');
});

t.test('the directory name is the pid, whatever the file says', async (t) => {
  const walk = walkAll(createProcReader(ZOMBIE_TREE));
  const p201 = walk.processes.find((p) => p.pid === 201)!;
  t.equal(p201.comm, ') Z 1 (x');
  t.equal(p201.state, 'Z');
  t.equal(p201.ppid, 200);
});

t.test('errors on open or read map to reasons; none fails the walk', async (t) => {
  for (const [code, reason] of [
    ['ENOENT', 'vanished'],
    ['ESRCH', 'vanished'],
    ['EACCES', 'permission'],
    ['EPERM', 'permission'],
    ['EIO', 'io_error'],
    ['EMFILE', 'io_error'],
  ] as const) {
    const reader = faultyReader(createProcReader(ZOMBIE_TREE), { pidFile: (pid) => (pid === 100 || pid === 300 ? code : undefined) });
    const walk = walkAll(reader);
    t.equal(walk.processes.length, 18, code);
    t.equal(walk.skipped[reason] - (reason === 'vanished' ? 1 : reason === 'io_error' ? 1 : 0), 2, `${code} -> ${reason}`);
    t.equal(skipReasonFor(Object.assign(new Error(), { code })), reason);
  }
  t.equal(skipReasonFor('not an error'), 'io_error');
});

t.test('an oversized stat file is malformed, not misread', async (t) => {
  const reader = faultyReader(createProcReader(ZOMBIE_TREE), {});
  const walk = walkAll(reader, Buffer.alloc(64));
  t.ok(walk.skipped.malformed > 3, 'lines longer than the buffer are rejected');
  t.ok(walk.skipDetails.some((d) => d.detail === 'oversized'));
});

t.test('an unlistable root throws', async (t) => {
  t.throws(() => walkAll(createProcReader('/nonexistent-proc-root')), { code: 'ENOENT' });
});
