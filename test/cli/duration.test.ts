import t from 'tap';
import { formatDuration, parseDuration } from '../../src/cli/duration.js';

t.test('Go durations', async (t) => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['5s', 5000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['1000000ns', 1],
    ['.5s', 500],
    ['0', 0],
  ];
  for (const [text, ms] of cases) t.equal(parseDuration(text), ms, text);
  for (const bad of ['', 'abc', '5', 's', '5 s', '-5s', '5sec', '1d', '5s ', '1e3s'])
    t.equal(parseDuration(bad), undefined, JSON.stringify(bad));
});

t.test('formatting round-trips the common values', async (t) => {
  for (const [ms, text] of [
    [0, '0s'],
    [500, '500ms'],
    [5000, '5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
  ] as const) {
    t.equal(formatDuration(ms), text);
    t.equal(parseDuration(text), ms);
  }
});
