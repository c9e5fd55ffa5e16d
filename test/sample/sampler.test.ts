import { once } from 'node:events';
import t from 'tap';
import { SourceFailure } from '../../src/sample/sample.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import { Sampler } from '../../src/sample/sampler.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';

/** The next sample the sampler publishes. */
const nextSample = async (sampler: Sampler): Promise<Sample> => ((await once(sampler, 'sample')) as [Sample])[0];

const base = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take();

t.test('publishes the first sample at once, then every interval', async (t) => {
  let n = 0;
  const sampler = new Sampler({ take: () => ({ ...base, timestampMs: ++n }), intervalMs: 20 });
  t.teardown(() => sampler.stop());
  t.equal(sampler.latest, undefined);
  sampler.start();
  sampler.start(); // idempotent
  const first = await nextSample(sampler);
  t.equal(first.timestampMs, 1);
  await waitFor('three samples', () => n >= 3);
  t.ok(sampler.latest!.timestampMs >= 2);
});

t.test('collections never overlap, even when slower than the interval', async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  let done = 0;
  const sampler = new Sampler({
    intervalMs: 5,
    take: async (): Promise<Sample> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      done++;
      return base;
    },
  });
  sampler.start();
  await waitFor('five slow samples', () => done >= 5);
  await sampler.stop();
  t.equal(maxInFlight, 1);
  const after = done;
  await new Promise((r) => setTimeout(r, 50));
  t.equal(done, after, 'nothing runs after stop');
});

t.test('stop waits for the collection in flight', async (t) => {
  let finished = false;
  const sampler = new Sampler({
    intervalMs: 1000,
    take: async () => {
      await new Promise((r) => setTimeout(r, 40));
      finished = true;
      return base;
    },
  });
  let published = 0;
  sampler.on('sample', () => published++);
  sampler.start();
  await sampler.stop();
  t.ok(finished);
  t.equal(published, 0, 'a sample that settles after stop is not published');
  t.equal(sampler.latest, undefined);
});

t.test('a failure keeps the last good sample and is reported; success clears it', async (t) => {
  let fail = false;
  const sampler = new Sampler({
    intervalMs: 10,
    take: () => {
      if (fail) throw new SourceFailure('loadavg', 'read loadavg: EIO');
      return { ...base };
    },
  });
  t.teardown(() => sampler.stop());
  const failures: string[] = [];
  sampler.on('failure', (f) => failures.push(`${f.source}: ${f.message}`));
  sampler.start();
  const good = await nextSample(sampler);
  fail = true;
  await waitFor('a failure', () => sampler.lastFailure);
  t.equal(sampler.latest, good, 'still the last good sample');
  t.same(failures[0], 'loadavg: read loadavg: EIO');
  fail = false;
  // waitFor's own timer holds the loop open; the sampler's is unref'd on purpose.
  await waitFor('recovery', () => sampler.lastFailure === undefined);
  t.not(sampler.latest, good, 'a new sample is published');
});

t.test('an unexpected throw is a procfs_root failure, not a crash', async (t) => {
  const sampler = new Sampler({
    intervalMs: 1000,
    take: () => {
      throw new TypeError('boom');
    },
  });
  sampler.start();
  await waitFor('a failure', () => sampler.lastFailure);
  await sampler.stop();
  t.match(sampler.lastFailure, { source: 'procfs_root', message: 'boom' });
});

t.test('the timer does not keep the process alive', async (t) => {
  const sampler = new Sampler({ take: () => base, intervalMs: 60_000 });
  sampler.start();
  // @ts-expect-error reading the private timer to check it is unref'd
  const timer = await waitFor('the next tick to be scheduled', () => sampler.timer);
  t.equal(timer.hasRef(), false);
  await sampler.stop();
});
