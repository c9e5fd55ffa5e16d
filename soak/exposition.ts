// Just enough of the Prometheus text format to check a soak scrape: the value of each series, by name and labels.

export interface ScrapedSeries {
  name: string;
  labels: string;
  value: number;
}

/** Parses the sample lines; a line that is neither a comment nor a sample is an error worth failing on. */
export function parseSamples(text: string): ScrapedSeries[] {
  const out: ScrapedSeries[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/s.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line.slice(0, 120)}`);
    out.push({ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

/** The one unlabelled series of a name (or the first), NaN when absent. */
export function single(series: ScrapedSeries[], name: string): number {
  return series.find((s) => s.name === name)?.value ?? NaN;
}

export function sum(series: ScrapedSeries[], name: string): number {
  return series.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
}

export function count(series: ScrapedSeries[], name: string): number {
  return series.filter((s) => s.name === name).length;
}
