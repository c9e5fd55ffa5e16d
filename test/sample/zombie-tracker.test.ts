import t from 'tap';
import { ZombieTracker } from '../../src/sample/zombie-tracker.js';

t.test('first seen sticks while the zombie stays', async (t) => {
  const z = new ZombieTracker();
  t.equal(z.observe(10, 500, 1000), 1000);
  z.sweep();
  t.equal(z.observe(10, 500, 2000), 1000);
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.size], [1, 0, 1]);
});

t.test('a zombie not seen in a sample is reaped and forgotten', async (t) => {
  const z = new ZombieTracker();
  z.observe(10, 500, 1000);
  z.observe(11, 501, 1000);
  z.sweep();
  z.observe(11, 501, 2000);
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.size], [2, 1, 1]);
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.size], [2, 2, 0]);
});

t.test('a reused pid with a new start time is a new zombie', async (t) => {
  const z = new ZombieTracker();
  z.observe(10, 500, 1000);
  z.sweep();
  t.equal(z.observe(10, 900, 5000), 5000, 'age restarts');
  z.sweep();
  t.same([z.appearedTotal, z.reapedTotal, z.size], [2, 1, 1]);
});

t.test('memory stays bounded under churn', async (t) => {
  const z = new ZombieTracker();
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 100; i++) z.observe(round * 100 + i, round, round);
    z.sweep();
    t.equal(z.size, 100);
  }
  t.same([z.appearedTotal, z.reapedTotal], [20_000, 19_900]);
});
