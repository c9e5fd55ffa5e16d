import t from 'tap';
import { niceMax, renderChart } from '../../src/http/page-chart.js';

const HOUR = 3_600_000;
const END = 10 * HOUR;
const chart = (t: number[], values: number[], windowMs = HOUR, maxGapMs = 15_000) =>
  renderChart({ id: 'c', title: 'Zombies', t, values, endMs: END, windowMs, maxGapMs });
const path = (svg: string) => /<path class="line" d="([^"]*)"/.exec(svg)?.[1];

t.test('round axis maxima', async (t) => {
  t.same([0, 0.5, 1, 3, 10, 11, 412, 32768].map(niceMax), [1, 1, 1, 5, 10, 20, 500, 50000]);
});

t.test('points map onto the plot: time left to right, values bottom to top', async (t) => {
  // Plot area: x from 48 to 590 (542 wide), y from 10 (top) to 108 (bottom, 98 high).
  const svg = chart([END - HOUR, END - HOUR / 2, END], [0, 5, 10], HOUR, HOUR);
  t.equal(path(svg), 'M48.0,108.0 L319.0,59.0 L590.0,10.0');
  t.match(svg, '<circle class="dot" cx="590.0" cy="10.0" r="3"/>', 'the latest point is marked');
  t.match(svg, 'aria-label="Zombies: now 10, peak 10"');
  t.match(svg, '>10</text>', 'the y axis max');
  t.match(svg, '>−60 min</text>');
  t.match(svg, '>−30 min</text>');
  t.match(svg, '>now</text>');
});

t.test('gaps longer than maxGapMs break the line; points outside the window are cut', async (t) => {
  const svg = chart([END - 2 * HOUR, END - 60_000, END - 50_000, END - 10_000, END], [99, 1, 1, 1, 1]);
  t.equal(
    path(svg)!
      .split(' ')
      .map((s) => s[0])
      .join(''),
    'MLML',
    'joined, a 40 s gap, joined',
  );
  t.match(svg, 'peak 1"', 'the 99 outside the window neither plots nor scales the axis');
});

t.test('no points: axes only; one point: a dot', async (t) => {
  const none = chart([], []);
  t.equal(path(none), undefined);
  t.notMatch(none, '<circle');
  t.match(none, 'aria-label="Zombies: no samples yet"');
  const one = chart([END], [3], 5 * 60_000);
  t.equal(path(one), 'M590.0,49.2');
  t.match(one, '<circle class="dot"');
  t.match(one, '>−5 min</text>');
  t.match(one, '>−2.5 min</text>');
});
