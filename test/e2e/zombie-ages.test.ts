// Zombie ages from the kernel against zombies whose exit times the test knows: each zombie's child process wrote
// the wall-clock time just before it exited. The exporter and inspect start after the zombies exist, as after a
// restart or a rollout, and must still read their ages, not count from their own first look.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import t from 'tap';
import { REPO, runCli } from '../helpers/processes.js';

/** How far off an age may be: the error measured on this machine type (docs/metrics.md), with room for a busy CI. */
const TOLERANCE_MS = 250;

t.test('ages of zombies that existed before the exporter looked are read from the kernel', async (t) => {
  const child = spawn('python3', [`${REPO}test/fixtures/bin/known-exits.py`, '12'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const exits = new Map((JSON.parse(line) as { parents: [number, number][] }).parents);
  // Let them age: long enough that counting from the first look would be off by far more than the tolerance.
  await new Promise((r) => setTimeout(r, 1500));
  const out = await runCli(['inspect', '--json', '--zombies.top-parents=100']);
  const snap = JSON.parse(out.stdout) as {
    timestampMs: number;
    parents: { pid: number; oldestAgeSeconds: number; oldestAgeSource: string }[];
  };
  const errors: number[] = [];
  for (const p of snap.parents) {
    const exitedAt = exits.get(p.pid);
    if (exitedAt === undefined) continue;
    t.equal(p.oldestAgeSource, 'sched', `pid ${p.pid}: dated from the kernel`);
    errors.push(p.oldestAgeSeconds * 1000 - (snap.timestampMs - exitedAt));
  }
  t.equal(errors.length, exits.size, 'every parent listed');
  t.comment(`errors: ${errors.map((e) => e.toFixed(0)).join(' ')} ms`);
  t.ok(
    errors.every((e) => Math.abs(e) < TOLERANCE_MS),
    `every age within ${TOLERANCE_MS} ms of the truth`,
  );
});
