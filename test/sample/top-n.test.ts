import t from 'tap';
import { topN } from '../../src/sample/top-n.js';

const desc = (a: number, b: number) => a > b;

t.test('matches a full sort on random input, every n', async (t) => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
  for (let round = 0; round < 50; round++) {
    const items = Array.from({ length: rand() % 200 }, () => rand() % 50);
    const sorted = [...items].sort((a, b) => b - a);
    for (const n of [0, 1, 2, 5, 10, 500]) t.same(topN(items, n, desc), sorted.slice(0, n), `round ${round} n ${n}`);
  }
});

t.test('ties are broken by the comparator, deterministically', async (t) => {
  const items = [
    { pid: 5, z: 3 },
    { pid: 2, z: 3 },
    { pid: 9, z: 4 },
    { pid: 1, z: 1 },
  ];
  const before = (a: (typeof items)[0], b: (typeof items)[0]) => (a.z !== b.z ? a.z > b.z : a.pid < b.pid);
  t.same(
    topN(items, 3, before).map((i) => i.pid),
    [9, 2, 5],
  );
  t.same(
    topN(items.reverse(), 3, before).map((i) => i.pid),
    [9, 2, 5],
  );
});

t.test('comparisons grow with items times log n, not items times log items', async (t) => {
  let calls = 0;
  const items = Array.from({ length: 100_000 }, (_, i) => i);
  topN(items, 10, (a, b) => (calls++, a > b));
  t.ok(calls < 100_000 * 8, `${calls} comparisons for 100,000 items`);
});
