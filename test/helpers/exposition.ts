// Parses Prometheus text exposition into series, for assertions on /metrics (test-only; tolerant, not a validator).

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // dotAll: a label value may hold a raw \r or U+2028 (only \\, " and newline are escaped in the format).
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/s.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    out.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: Number(m[3]) });
  }
  return out;
}

/** Series of a metric whose labels include `match`. */
export function find(series: Series[], name: string, match: Record<string, string> = {}): Series[] {
  return series.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one series matching, or undefined when there is none; throws when several match. */
export function valueOf(series: Series[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = find(series, name, match);
  if (found.length > 1) throw new Error(`${found.length} series of ${name} match ${JSON.stringify(match)}`);
  return found[0]?.value;
}
