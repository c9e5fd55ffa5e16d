// One metric family in the OpenMetrics 1.0 text format, from what a prom-client metric's get() returns. prom-client
// 15 renders OpenMetrics only for a whole registry of that type, and gets there by renaming each counter in place
// (it drops `_total` from the metric's name), which would break the Prometheus text rendered from the same metrics;
// so the families are written here, and the text format stays prom-client's own.
//
// What differs from the text format: a counter's family is named without `_total` and its sample with it; HELP
// escapes double quotes too; `le` and `quantile` are canonical floats (`1.0`, not `1`); there are no blank lines,
// and the exposition ends with `# EOF` (exposition.ts adds it).

/** The shape of prom-client's MetricObjectWithValues as it is at run time (its typings give `type` as an enum). */
export interface FamilyValues {
  name: string;
  help: string;
  type: string;
  values: readonly {
    value: number;
    labels: Readonly<Record<string, string | number | undefined>>;
    /** A histogram's `_bucket`, `_sum` and `_count` samples name themselves. */
    metricName?: string;
  }[];
}

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeLabelValue = escapeHelp;

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** OpenMetrics's canonical form for the numbers that are label values: a float always shows it is one. */
function canonical(value: string | number): string {
  const text = typeof value === 'number' ? number(value) : value;
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

export function renderOpenMetricsFamily(family: FamilyValues): string {
  const counter = family.type === 'counter';
  const name = counter ? family.name.replace(/_total$/, '') : family.name;
  const lines = [`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`];
  for (const v of family.values) {
    const labels = Object.entries(v.labels)
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([k, value]) => {
        const text = k === 'le' || k === 'quantile' ? canonical(value) : String(value);
        return `${k}="${escapeLabelValue(text)}"`;
      });
    const sample = v.metricName ?? (counter ? `${name}_total` : name);
    lines.push(`${sample}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${number(v.value)}`);
  }
  return lines.join('\n');
}
