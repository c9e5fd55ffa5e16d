// Zombie ages from the kernel against zombies whose exit times the test knows: each exit is bracketed between the
// time the child wrote just before it exited and the time its parent woke to the exit (waitid WNOWAIT, no reaping). The exporter and inspect start after the zombies exist, as after a
// restart or a rollout, and must still read their ages, not count from their own first look.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import t from 'tap';
import { REPO, runCli } from '../helpers/processes.js';

/**
 * How far outside the known bracket a dated exit may fall: the error measured on this machine type (docs/metrics.md,
 * tens of milliseconds; up to 64 ms past the bracket seen under load), with room for a busy CI. Counting from the
 * first look instead would be off by the 1.5 s the zombies are left to age.
 */
const TOLERANCE_MS = 150;

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
  const exits = new Map(
    (JSON.parse(line) as { parents: [number, number, number][] }).parents.map(([pid, after, before]) => [
      pid,
      { after, before },
    ]),
  );
  // Let them age: long enough that counting from the first look would be off by far more than the tolerance.
  await new Promise((r) => setTimeout(r, 1500));
  const out = await runCli(['inspect', '--json', '--zombies.top-parents=100']);
  const snap = JSON.parse(out.stdout) as {
    timestampMs: number;
    parents: { pid: number; oldestAgeSeconds: number; oldestAgeSource: string }[];
  };
  const errors: number[] = [];
  for (const p of snap.parents) {
    const exit = exits.get(p.pid);
    if (exit === undefined) continue;
    t.equal(p.oldestAgeSource, 'sched', `pid ${p.pid}: dated from the kernel`);
    // How far the exit the exporter dates falls outside the bracket the test knows it in (0 inside it).
    const exitedAt = snap.timestampMs - p.oldestAgeSeconds * 1000;
    errors.push(exitedAt < exit.after ? exitedAt - exit.after : exitedAt > exit.before ? exitedAt - exit.before : 0);
  }
  t.equal(errors.length, exits.size, 'every parent listed');
  t.comment(`outside the bracket by: ${errors.map((e) => e.toFixed(0)).join(' ')} ms`);
  t.ok(
    errors.every((e) => Math.abs(e) < TOLERANCE_MS),
    `every exit dated within ${TOLERANCE_MS} ms of its bracket`,
  );
});
