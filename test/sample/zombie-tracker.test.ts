import t from 'tap';
import { ZombieTracker } from '../../src/sample/zombie-tracker.js';

/** Observes a zombie, recording it (dated by first sight) when the tracker did not know it. */
const see = (z: ZombieTracker, pid: number, start: number, ppid: number, now: number, exitedAt = now) =>
  z.observe(pid, start, ppid, now) ?? z.add(pid, start, ppid, now, exitedAt, exitedAt === now ? 'first_seen' : 'sched');

t.test('first seen and exit time stick while the zombie stays', async (t) => {
  const z = new ZombieTracker();
  t.equal(see(z, 10, 500, 1, 1000, 400).exitedAtMs, 400);
  z.sweep();
  const again = see(z, 10, 500, 1, 2000);
  t.same([again.firstSeenMs, again.exitedAtMs, again.exitTimeSource, again.heldSinceMs], [1000, 400, 'sched', 400]);
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.reparentedTotal, z.size], [1, 0, 0, 1]);
});

t.test('a zombie not seen in a sample is reaped and forgotten', async (t) => {
  const z = new ZombieTracker();
  see(z, 10, 500, 1, 1000);
  see(z, 11, 501, 1, 1000);
  z.sweep();
  see(z, 11, 501, 1, 2000);
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.size], [2, 1, 1]);
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.size], [2, 2, 0]);
});

t.test('a reused pid with a new start time is a new zombie', async (t) => {
  const z = new ZombieTracker();
  see(z, 10, 500, 1, 1000);
  z.sweep();
  t.equal(z.observe(10, 900, 1, 5000), undefined, 'not the zombie it knew');
  t.equal(see(z, 10, 900, 1, 5000).firstSeenMs, 5000, 'age restarts');
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.size], [2, 1, 1]);
});

t.test('a reparented zombie is held by its new parent from the sample that saw it there', async (t) => {
  const z = new ZombieTracker();
  see(z, 10, 500, 300, 1000, 100); // exited at 100 under 300, seen at 1000
  z.sweep();
  const moved = see(z, 10, 500, 1, 301_000); // 300 died; PID 1 adopted it
  t.same(
    [moved.ppid, moved.exitedAtMs, moved.heldSinceMs],
    [1, 100, 301_000],
    'its age stays; the new parent holds it from now',
  );
  z.sweep();
  t.equal(see(z, 10, 500, 1, 302_000).heldSinceMs, 301_000, 'and keeps holding it from then');
  t.equal(z.reparentedTotal, 1);
});

t.test('memory stays bounded under churn', async (t) => {
  const z = new ZombieTracker();
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 100; i++) see(z, round * 100 + i, round, 1, round);
    z.sweep();
    t.equal(z.size, 100);
  }
  t.same([z.appearedTotal, z.reapedTotal], [20_000, 19_900]);
});
