// Judges whether the exporter's RSS stayed flat over a soak: medians of the start and end of the run after warm-up.

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
  /** MiB: medians of the first and last tenth of the run after warm-up, which the verdict compares. */
  settledStart: number;
  settledEnd: number;
  warmUpSeconds: number;
  rule: string;
}

const MIB = 1024 * 1024;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

/**
 * V8 and glibc settle in the first minute (heap growth, arenas), so that is left out; after it, a leak shows as
 * an end median above the start median. Allowed growth: 4 MiB or 10%, whichever is larger: less than what one
 * extra young-generation semi-space or malloc arena costs, far less than what a per-sample or per-scrape leak
 * over thousands of samples would add.
 */
export function judgeRss(points: RssPoint[], durationSeconds: number): RssVerdict {
  const warmUpSeconds = Math.min(60, durationSeconds * 0.2);
  const settled = points.filter((p) => p.atSeconds >= warmUpSeconds);
  const tenth = Math.max(1, Math.floor(settled.length / 10));
  const settledStart = median(settled.slice(0, tenth).map((p) => p.bytes)) / MIB;
  const settledEnd = median(settled.slice(-tenth).map((p) => p.bytes)) / MIB;
  const allowed = Math.max(4, settledStart * 0.1);
  const mib = points.map((p) => p.bytes / MIB);
  return {
    flat: settled.length >= 2 && settledEnd - settledStart <= allowed,
    start: mib[0] ?? NaN,
    end: mib.at(-1) ?? NaN,
    min: Math.min(...mib),
    max: Math.max(...mib),
    settledStart,
    settledEnd,
    warmUpSeconds,
    rule: `median of the last tenth after ${warmUpSeconds.toFixed(0)}s of warm-up at most max(4 MiB, 10%) above the median of the first tenth`,
  };
}
