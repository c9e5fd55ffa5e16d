import t from 'tap';
import { HISTORY_WINDOW_MS, SampleHistory } from '../../src/snapshot/history.js';

const point = (timestampMs: number, zombies = 0, pidsInUse = 100) => ({ timestampMs, zombies, pidsInUse });

t.test('keeps the numbers of each sample, oldest first', async (t) => {
  const h = new SampleHistory(5000);
  t.same(h.points(), { windowSeconds: 3600, spacingMs: 5000, t: [], zombies: [], pidsInUse: [] });
  h.record(point(1000, 1, 10));
  h.record(point(6000, 2, 20));
  t.same(h.points(), { windowSeconds: 3600, spacingMs: 5000, t: [1000, 6000], zombies: [1, 2], pidsInUse: [10, 20] });
});

t.test('PIDs in use unknown (no loadavg) is kept as null, never as 0', async (t) => {
  const h = new SampleHistory(5000);
  h.record({ timestampMs: 1000, zombies: 1, pidsInUse: 10 });
  h.record({ timestampMs: 6000, zombies: 2, pidsInUse: null });
  h.record({ timestampMs: 11000, zombies: 3, pidsInUse: 0 });
  t.same(h.points().pidsInUse, [10, null, 0]);
  t.same(h.points().zombies, [1, 2, 3]);
});

t.test('bounded: a fixed ring sized for one hour at the interval, whatever runs for how long', async (t) => {
  const h = new SampleHistory(5000);
  t.equal(h.capacity, 722);
  for (let i = 0; i < 10_000; i++) h.record(point(i * 5000, i));
  const p = h.points();
  t.equal(p.t.length, 721, 'exactly one hour of points, ends included');
  t.equal(p.t.at(-1)! - p.t[0]!, HISTORY_WINDOW_MS);
  t.equal(p.zombies.at(-1), 9999);
});

t.test('sub-second intervals: at most a point a second, so the ring never exceeds 3,602 slots', async (t) => {
  const h = new SampleHistory(100);
  t.same([h.capacity, h.spacingMs], [3602, 1000]);
  for (let ms = 0; ms <= 10_000; ms += 100) h.record(point(ms, ms));
  t.same(h.points().t, [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
  const slightlyEarly = new SampleHistory(1000);
  slightlyEarly.record(point(0));
  slightlyEarly.record(point(999));
  t.equal(slightlyEarly.points().t.length, 2, 'a timer a millisecond early still records');
});

t.test('only the hour that ends at the newest point; a clock stepped back drops the "future"', async (t) => {
  const h = new SampleHistory(60_000);
  for (const ms of [0, 60_000, 3_600_000, 3_660_000]) h.record(point(ms));
  t.same(h.points().t, [60_000, 3_600_000, 3_660_000]);
  h.record(point(120_000)); // the wall clock jumped back an hour
  t.same(h.points().t, [0, 60_000, 120_000]);
});
