// Judges whether the exporter's RSS stayed flat over a soak: a leak keeps growing, a warm-up stops growing.

export interface RssPoint {
  atSeconds: number;
  bytes: number;
}

export interface RssVerdict {
  flat: boolean;
  /** MiB: first point, last point, lowest and highest. */
  start: number;
  end: number;
  min: number;
  max: number;
  /** MiB: medians of the first and last fifth of the second half of the run, which the verdict compares. */
  settledStart: number;
  settledEnd: number;
  /** Least-squares slope over the second half, MiB per minute. */
  slopeMiBPerMinute: number;
  rule: string;
}

const MIB = 1024 * 1024;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

function slope(points: RssPoint[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.atSeconds, 0) / n;
  const my = points.reduce((a, p) => a + p.bytes, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.atSeconds - mx) * (p.bytes - my), 0);
  const sxx = points.reduce((a, p) => a + (p.atSeconds - mx) ** 2, 0);
  return sxx === 0 ? 0 : ((sxy / sxx) * 60) / MIB;
}

/**
 * Two V8 isolates (the server and the walker) grow their old generations lazily, so at 100 ms samples and a
 * hundred scrapes a second RSS climbs for several minutes before it levels off (measured: 86 MiB at 1 minute,
 * 95 MiB from minute 7 on, then flat). The first half of the run is therefore warm-up. A leak does not level off:
 * it shows as the median of the last fifth of the second half above the median of its first fifth. Allowed:
 * max(4 MiB, 5%), less than one malloc arena or semi-space, and what a leak of ~1 MiB a minute would exceed in a
 * 10-minute run.
 */
export function judgeRss(points: RssPoint[], durationSeconds: number): RssVerdict {
  const settled = points.filter((p) => p.atSeconds >= durationSeconds / 2);
  const fifth = Math.max(1, Math.floor(settled.length / 5));
  const settledStart = median(settled.slice(0, fifth).map((p) => p.bytes)) / MIB;
  const settledEnd = median(settled.slice(-fifth).map((p) => p.bytes)) / MIB;
  const allowed = Math.max(4, settledStart * 0.05);
  const mib = points.map((p) => p.bytes / MIB);
  return {
    flat: settled.length >= 2 && settledEnd - settledStart <= allowed,
    start: mib[0] ?? NaN,
    end: mib.at(-1) ?? NaN,
    min: Math.min(...mib),
    max: Math.max(...mib),
    settledStart,
    settledEnd,
    slopeMiBPerMinute: slope(settled),
    rule: 'over the second half of the run, the median of its last fifth at most max(4 MiB, 5%) above the median of its first fifth',
  };
}
