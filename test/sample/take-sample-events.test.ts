// Event mode (src/sample/take-sample.ts with src/sample/exit-events.ts) on the real host: real leaks' zombies found
// from their exit events and dated by them, checked against a walk-mode taker sampling the same host right after;
// reparenting and reaping seen by re-reading only the zombies known; lost events (a real fork storm through a small
// socket buffer) answered with a full walk that still counts every zombie once.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { loadNativeStatBatch } from '../../src/procfs/native-stat-batch.js';
import { openProcEvents } from '../../src/procfs/proc-events.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { ExitEvents } from '../../src/sample/exit-events.js';
import type { Sample } from '../../src/sample/sample.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { startLeak } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const nativeBuilt = loadNativeStatBatch() !== undefined;
const skip = process.platform !== 'linux' ? 'Linux only' : !nativeBuilt && !process.env.CI ? 'addon not built' : false;

function eventTaker(t: { teardown: (fn: () => void) => void }, receiveBufferBytes: number) {
  const opened = openProcEvents(receiveBufferBytes);
  if (!opened.ok) throw new Error(opened.reason);
  const events = new ExitEvents(opened.listener);
  t.teardown(() => events.close());
  return createSampleTaker({
    reader: createProcReader('/proc'),
    topParents: 1000,
    events,
    fullWalkIntervalMs: 3_600_000,
  });
}
const walkTaker = () => createSampleTaker({ reader: createProcReader('/proc'), topParents: 1000 });
const parentOf = (s: Sample, pid: number) => s.topParents.find((p) => p.pid === pid);
const balanced = (s: Sample) => s.zombiesAppearedTotal - s.zombiesReapedTotal === s.zombies;

t.test('a leak found from its exits, dated by them, reparented and reaped: as a walk sees it', { skip }, async (t) => {
  const taker = eventTaker(t, 32 << 20);
  const first = taker.take();
  t.same(
    [first.collection.mode, first.collection.fullWalk, first.collection.fullWalkReason],
    ['events', true, 'start'],
    'the first sample walks everything',
  );
  t.equal(first.collection.statFiles, first.processes + first.skipped.vanished, 'every process read');

  const leak = await startLeak('zombies', 5);
  t.teardown(() => leak.stop());
  const seen = await waitFor('the leak in an event sample', () => {
    const s = taker.take();
    return parentOf(s, leak.parentPid)?.zombies === 5 ? s : undefined;
  });
  const truth = walkTaker().take();
  t.equal(seen.collection.fullWalk, false, 'found without a walk');
  t.ok(
    seen.collection.statFiles < first.collection.statFiles,
    `read ${seen.collection.statFiles} stat files, a walk ${first.collection.statFiles}`,
  );
  const p = parentOf(seen, leak.parentPid)!;
  t.same([...p.zombiePids].sort(), [...leak.childPids].sort(), 'the five zombies, by pid');
  t.same(
    [...parentOf(truth, leak.parentPid)!.zombiePids].sort(),
    [...p.zombiePids].sort(),
    'what a walk of the same host finds',
  );
  t.equal(p.oldestAgeSource, 'event', 'dated by their exit events');
  t.ok(seen.exitTimeSources.event >= 5, `${seen.exitTimeSources.event} zombies dated by events in that sample`);
  t.ok(balanced(seen), 'appeared - reaped = present');
  t.equal(seen.processes, first.processes, 'the counts by state are the last full walk’s');

  // The parent dies: its zombies go to leak.py (a subreaper), which reaps them.
  const reapedBefore = seen.zombiesReapedTotal;
  await leak.killParent();
  const after = await waitFor('the zombies gone from an event sample', () => {
    const s = taker.take();
    const held = s.topParents.flatMap((q) => q.zombiePids).filter((pid) => leak.childPids.includes(pid));
    return held.length === 0 && parentOf(s, leak.parentPid) === undefined ? s : undefined;
  });
  t.equal(after.collection.fullWalk, false, 'seen reaped without a walk');
  t.ok(after.zombiesReapedTotal - reapedBefore >= 5, 'each counted reaped');
  t.ok(balanced(after), 'appeared - reaped = present');
});

t.test(
  'a fork storm overflows the socket: the next sample walks everything and counts the leak once',
  { skip },
  async (t) => {
    const taker = eventTaker(t, 256 << 10);
    const first = taker.take();
    t.equal(first.collection.fullWalkReason, 'start');
    // Make zombies inside the storm, so their exit events are among those lost.
    const storm = spawn(
      'python3',
      [
        '-c',
        'import os\nfor _ in range(1500):\n    pid = os.fork()\n    if pid == 0: os._exit(0)\n    os.waitpid(pid, 0)',
      ],
      { stdio: 'ignore' },
    );
    const leak = await startLeak('zombies', 3);
    t.teardown(() => leak.stop());
    await once(storm, 'exit');
    const resync = taker.take();
    t.equal(resync.collection.fullWalkReason, 'lost_events', 'lost events: a full walk');
    // ENOBUFS says so at once; the exact count follows as later events show each CPU's gap.
    const c = resync.collection.events!;
    t.ok(c.overflows + c.lost > 0, `overflowed (${c.overflows}), ${c.lost} events counted lost so far`);
    t.same([...parentOf(resync, leak.parentPid)!.zombiePids].sort(), [...leak.childPids].sort(), 'the leak, found');
    t.ok(balanced(resync), 'appeared - reaped = present');
    // A zombie is counted appeared twice only if a sample misses it while it exists (the tracker forgets it, counts it
    // reaped, then meets it again): so every sample must hold all three, and each its first exit time.
    const resyncAge = parentOf(resync, leak.parentPid)!.oldestAgeSeconds;
    for (let i = 0; i < 5; i++) {
      const s = taker.take();
      // Events again, unless the host (other tests) overflowed the small buffer once more: then another full walk.
      t.ok(
        !s.collection.fullWalk || s.collection.fullWalkReason === 'lost_events',
        `sample ${i + 1} after the resync: ${s.collection.fullWalk ? 'lost events again, walked' : 'from events'}`,
      );
      const q = parentOf(s, leak.parentPid);
      t.same([...(q?.zombiePids ?? [])].sort(), [...leak.childPids].sort(), 'the same three');
      t.ok(balanced(s), 'appeared - reaped = present');
      // The same entries, not new ones dated again: the oldest age grew by exactly the time between the samples.
      const grew = (q?.oldestAgeSeconds ?? 0) - resyncAge - (s.timestampMs - resync.timestampMs) / 1000;
      t.ok(Math.abs(grew) < 0.002, `age kept (${grew.toFixed(4)} s off)`);
    }
  },
);
