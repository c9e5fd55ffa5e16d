import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { SourceFailure } from '../../src/sample/sample.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import { SampleWorker } from '../../src/sample/sample-worker.js';
import type { BlockingWorkerData } from '../helpers/blocking-sample-worker.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';

const OPTIONS = { deadlineMs: 60_000 };
const BLOCKING_WORKER = new URL('../helpers/blocking-sample-worker.ts', import.meta.url);

const stable = (s: Sample) => ({ ...s, timestampMs: 0, firstSampleMs: 0, durationSeconds: 0 });

t.test('a worker collects what the in-thread collector does, and keeps its state between calls', async (t) => {
  const wc = new SampleWorker({ procfsPath: ZOMBIE_TREE, topParents: 2 }, OPTIONS);
  t.teardown(() => wc.close());
  const inThread = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 2 }).take();
  const first = await wc.take();
  t.same(stable(first), stable(inThread));
  const second = await wc.take();
  t.equal(second.zombiesAppearedTotal, 9, 'the first-seen table lives in the worker: no zombie counted twice');
  t.ok(second.oldestZombieAgeSeconds >= 0);
});

t.test('an essential source failing is a SourceFailure from the worker', async (t) => {
  const wc = new SampleWorker({ procfsPath: '/nonexistent-proc-root', topParents: 10 }, OPTIONS);
  t.teardown(() => wc.close());
  await t.rejects(wc.take(), new SourceFailure('procfs_root', 'list the proc root: ENOENT'));
});

t.test('one request at a time', async (t) => {
  const wc = new SampleWorker({ procfsPath: ZOMBIE_TREE, topParents: 10 }, OPTIONS);
  t.teardown(() => wc.close());
  const a = wc.take();
  await t.rejects(wc.take(), { message: 'a collection is already running' });
  await a;
});

/** A worker whose collections block on a FIFO while the gate file exists (test/helpers/blocking-sample-worker.ts). */
function blocking(t: Test, deadlineMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ze-block-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const gate = join(dir, 'gate');
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const data: BlockingWorkerData = { procfsPath: ZOMBIE_TREE, topParents: 10, block: { gate, fifo } };
  const wc = new SampleWorker(data, { deadlineMs, workerUrl: BLOCKING_WORKER });
  /** Resolves once the worker is inside its blocked open (a non-blocking open for writing fails with ENXIO until a
   * reader has the FIFO open); returns a function that lets it go. */
  const blocked = async () => {
    const fd = await waitFor('the worker to block on the FIFO', () =>
      openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK),
    );
    return () => closeSync(fd);
  };
  /** Collections block from now on (the gate exists), until unblock(). */
  const block = () => writeFileSync(gate, '');
  const unblock = () => rmSync(gate);
  return { wc, block, unblock, blocked };
}

t.test('a dead worker fails the pending sample and the next call starts a new one', async (t) => {
  const { wc, block, unblock, blocked } = blocking(t, 60_000);
  t.teardown(() => wc.close());
  block();
  const pending = wc.take();
  const release = await blocked();
  // @ts-expect-error reaching the private worker to kill it mid-collection, as an OOM or a bug would
  const terminated = wc.worker!.terminate();
  release(); // the read returns; the worker dies at its next JavaScript step instead of answering
  await terminated;
  await t.rejects(pending, { source: 'procfs_root', message: /collector worker exited/ });
  unblock();
  const again = await wc.take();
  t.equal(again.zombies, 9);
  t.equal(again.zombiesAppearedTotal, 9, 'a new worker starts a new first-seen table');
});

t.test('a collection past its deadline fails with its own source, and a fresh worker takes the next', async (t) => {
  // The first collection is given time for the worker's start-up (seconds under tap's loader), which a deadline
  // counts too; the next one has 1s.
  const { wc, block, unblock, blocked } = blocking(t, 60_000);
  t.equal((await wc.take()).zombies, 9, 'a worker that answers in time');
  block();
  const started = Date.now();
  const failed = t.rejects(wc.take(1000), {
    source: 'deadline',
    message: /^no sample within 1s: a read under the proc or sys root is blocked; the collector worker was replaced$/,
  });
  const release = await blocked();
  await failed;
  t.ok(Date.now() - started >= 1000, 'not before the deadline');
  t.equal(wc.stuckThreads, 1, 'the given-up thread is still blocked in its read');
  unblock();
  const next = await wc.take();
  t.equal(next.zombies, 9, 'a new worker answered');
  t.equal(await wc.close(100), false, 'close says a thread is still blocked, without waiting on it');
  release();
  await waitFor('the blocked thread to end once its read returns', () => wc.stuckThreads === 0);
});

t.test('closed means closed', async (t) => {
  const wc = new SampleWorker({ procfsPath: ZOMBIE_TREE, topParents: 10 }, OPTIONS);
  await wc.take();
  await wc.close();
  await t.rejects(wc.take(), { message: 'collector closed' });
});
