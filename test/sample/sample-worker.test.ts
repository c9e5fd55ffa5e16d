import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import t from 'tap';
import { SourceFailure } from '../../src/sample/sample.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import { SampleWorker } from '../../src/sample/sample-worker.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';

const stable = (s: Sample) => ({ ...s, timestampMs: 0, firstSampleMs: 0, durationSeconds: 0 });

t.test('a worker collects what the in-thread collector does, and keeps its state between calls', async (t) => {
  const wc = new SampleWorker({ procfsPath: ZOMBIE_TREE, topParents: 2 });
  t.teardown(() => wc.close());
  const inThread = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 2 }).take();
  const first = await wc.take();
  t.same(stable(first), stable(inThread));
  const second = await wc.take();
  t.equal(second.zombiesAppearedTotal, 9, 'the first-seen table lives in the worker: no zombie counted twice');
  t.ok(second.oldestZombieAgeSeconds >= 0);
});

t.test('an essential source failing is a SourceFailure from the worker', async (t) => {
  const wc = new SampleWorker({ procfsPath: '/nonexistent-proc-root', topParents: 10 });
  t.teardown(() => wc.close());
  await t.rejects(wc.take(), new SourceFailure('procfs_root', 'list the proc root: ENOENT'));
});

t.test('one request at a time', async (t) => {
  const wc = new SampleWorker({ procfsPath: ZOMBIE_TREE, topParents: 10 });
  t.teardown(() => wc.close());
  const a = wc.take();
  await t.rejects(wc.take(), { message: 'a collection is already running' });
  await a;
});

t.test('a dead worker fails the pending sample and the next call starts a new one', async (t) => {
  // loadavg as a FIFO: the worker's collection blocks reading it until the test writes, so the worker is
  // certainly mid-collection when it is killed, as an OOM or a bug would kill it.
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  const loadavg = readFileSync(`${tree.dir}/loadavg`);
  rmSync(`${tree.dir}/loadavg`);
  execFileSync('mkfifo', [`${tree.dir}/loadavg`]);
  const wc = new SampleWorker({ procfsPath: tree.dir, topParents: 10 });
  t.teardown(() => wc.close());
  const pending = wc.take();
  // A non-blocking open for writing fails with ENXIO until a reader has the FIFO open: then the worker is inside
  // its read of loadavg, mid-collection.
  const fd = await waitFor('the worker to open loadavg', () =>
    openSync(`${tree.dir}/loadavg`, constants.O_WRONLY | constants.O_NONBLOCK),
  );
  // @ts-expect-error reaching the private worker to kill it
  const terminated = wc.worker!.terminate();
  writeSync(fd, loadavg); // unblocks the read; the worker dies at its next JavaScript step instead of answering
  closeSync(fd);
  await terminated;
  await t.rejects(pending, { source: 'procfs_root', message: /collector worker exited/ });
  rmSync(`${tree.dir}/loadavg`);
  writeFileSync(`${tree.dir}/loadavg`, loadavg);
  const again = await wc.take();
  t.equal(again.zombies, 9);
  t.equal(again.zombiesAppearedTotal, 9, 'a new worker starts a new first-seen table');
});

t.test('closed means closed', async (t) => {
  const wc = new SampleWorker({ procfsPath: ZOMBIE_TREE, topParents: 10 });
  await wc.take();
  await wc.close();
  await t.rejects(wc.take(), { message: 'collector closed' });
});
