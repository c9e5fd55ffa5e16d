// Server-rendered SVG line charts of the last hour, so the page needs no script to draw and no external asset.

import { escapeHtml } from './escape-html.js';

export interface ChartInput {
  /** Element id, also the CSS hook. */
  id: string;
  title: string;
  /** Point times (ms since the epoch), oldest first, and their values; null where the value was unknown (a gap). */
  t: readonly number[];
  values: readonly (number | null)[];
  /** The right edge of the chart (the newest sample's time) and how far back the left edge is; older points are cut. */
  endMs: number;
  windowMs: number;
  /** Points further apart than this are not joined: samples failed or the exporter restarted between them. */
  maxGapMs: number;
}

const WIDTH = 600;
const HEIGHT = 130;
const LEFT = 48;
const RIGHT = 10;
const TOP = 10;
const BOTTOM = 22;

/** The smallest of 1, 2, 5 x 10^k at or above max (and at least 1), so the axis reads in round numbers. */
export function niceMax(max: number): number {
  if (!(max > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

const fixed = (n: number): string => n.toFixed(1);

export function renderChart(input: ChartInput): string {
  const { id, title, endMs, windowMs, maxGapMs } = input;
  const startMs = endMs - windowMs;
  const shown = input.t.flatMap((ms, i) => {
    const v = input.values[i];
    if (ms < startMs || ms > endMs || v === null || v === undefined) return [];
    // An unknown value just before breaks the line, as a long gap between samples does.
    return [{ ms, v, afterUnknown: i > 0 && input.values[i - 1] === null }];
  });
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const peak = shown.reduce((m, p) => Math.max(m, p.v), 0);
  const yMax = niceMax(peak);
  const x = (ms: number): number => LEFT + (plotW * (ms - startMs)) / windowMs;
  const y = (v: number): number => TOP + plotH - (plotH * v) / yMax;

  const d = shown
    .map(
      (p, i) =>
        `${i > 0 && !p.afterUnknown && p.ms - shown[i - 1]!.ms <= maxGapMs ? 'L' : 'M'}${fixed(x(p.ms))},${fixed(y(p.v))}`,
    )
    .join(' ');
  const latest = shown.at(-1);
  const label = latest === undefined ? `${title}: no samples yet` : `${title}: now ${latest.v}, peak ${peak}`;
  const bottom = TOP + plotH;
  const ticks = [0, 0.5, 1].map((f) => {
    const tx = LEFT + plotW * f;
    const text = f === 1 ? 'now' : `−${Number((((1 - f) * windowMs) / 60_000).toFixed(1))} min`;
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    return `<text class="tick" x="${fixed(tx)}" y="${HEIGHT - 6}" text-anchor="${anchor}">${text}</text>`;
  });
  return `<figure class="chart" id="${id}"><figcaption>${escapeHtml(title)}</figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(label)}">
<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${bottom}"/><line class="axis" x1="${LEFT}" y1="${bottom}" x2="${WIDTH - RIGHT}" y2="${bottom}"/>
<line class="grid" x1="${LEFT}" y1="${TOP}" x2="${WIDTH - RIGHT}" y2="${TOP}"/>
<text class="tick" x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${yMax}</text><text class="tick" x="${LEFT - 6}" y="${bottom}" text-anchor="end">0</text>
${ticks.join('')}
${d === '' ? '' : `<path class="line" d="${d}"/>`}${latest === undefined ? '' : `<circle class="dot" cx="${fixed(x(latest.ms))}" cy="${fixed(y(latest.v))}" r="3"/>`}
</svg></figure>`;
}
