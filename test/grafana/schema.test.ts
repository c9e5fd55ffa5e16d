// Checks both dashboards against @grafana/schema, the types Grafana publishes for dashboard JSON (no Grafana server can
// run here), and proves the check can fail: copies seeded with one mistake each must fail at that mistake.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { GRAFANA_DIR } from '../helpers/rules.js';
import { checkDashboards, type SchemaError } from './helpers/check-dashboards.js';

const FILES = ['zombie-exporter-fleet.json', 'zombie-exporter-host.json'];
const texts = new Map(FILES.map((f) => [f, readFileSync(`${GRAFANA_DIR}/${f}`, 'utf8')]));

/**
 * One mistake each, seeded into a copy of the host dashboard (it has every panel kind). `{table}` stands for the
 * table panel's place in the copy, so a seed lands on the kind it means even as panels move. `error` is where the
 * check must say the mistake is, when that is not the seeded path itself.
 */
const SEEDS: { what: string; path: string; value: unknown; error?: string }[] = [
  { what: 'a value that is not in the enum', path: '{table}.options.cellHeight', value: 'small' },
  {
    what: "the table footer where Grafana 12 kept it, in the panel's options",
    path: '{table}.options.footer',
    value: { show: false, reducer: ['sum'], fields: '' },
  },
  {
    what: "Grafana 12's footer shape in the field config, where Grafana 13 keeps only reducers",
    path: '{table}.fieldConfig.defaults.custom.footer',
    value: { show: true, reducers: ['sum'] },
    error: '{table}.fieldConfig.defaults.custom.footer.show',
  },
  { what: 'a misspelled option', path: '{timeseries}.options.legend.showLegnd', value: true },
  { what: 'a misspelled custom field option', path: '{timeseries}.fieldConfig.defaults.custom.fillOpacty', value: 20 },
  { what: 'a string where the schema wants a list', path: '{stat}.options.reduceOptions.calcs', value: 'lastNotNull' },
  { what: 'a string where the schema wants a number', path: '{gauge}.gridPos.w', value: '6' },
  { what: 'custom field config on a kind that has none', path: '{bargauge}.fieldConfig.defaults.custom.lineWidth', value: 1 },
  { what: 'a retired panel kind', path: '{timeseries}.type', value: 'graph' },
  { what: 'a number that is not in a numeric enum', path: 'templating.list[1].refresh', value: 3 },
];

/** A dashboard as parsed: to place a seed, only its panels' kinds matter. */
interface Parsed {
  panels: { type: string }[];
}

/** `{kind}` replaced by the place of the first panel of that kind. */
function resolve(d: Parsed, path: string): string {
  return path.replace(/\{(\w+)\}/, (_, kind: string) => {
    const i = d.panels.findIndex((p) => p.type === kind);
    if (i < 0) throw new Error(`no ${kind} panel to seed`);
    return `panels[${i}]`;
  });
}

/** Sets `path` (`a.b[2].c`) in `d`, making the objects on the way that are not there. */
function seed(d: Parsed, path: string, value: unknown): void {
  const keys = [...path.matchAll(/[^.[\]]+/g)].map((m) => m[0]);
  let node = d as unknown as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/** The host dashboard with one panel of each kind: every kind a seed needs, at a fraction of the compile time. */
const host = JSON.parse(texts.get('zombie-exporter-host.json')!) as Parsed;
const sample: Parsed = {
  ...host,
  panels: host.panels.filter((p, i) => host.panels.findIndex((q) => q.type === p.type) === i),
};

const seeded = SEEDS.map((s) => {
  const copy = structuredClone(sample);
  const path = resolve(copy, s.path);
  const error = resolve(copy, s.error ?? s.path);
  seed(copy, path, s.value);
  const name = `seeded: ${s.what}`;
  texts.set(name, JSON.stringify(copy, null, 2));
  // The panel or variable seeded: a mistake may make the rest of it fail too, but nothing else.
  const scope = /^[^\]]*\]/.exec(path)?.[0] ?? path;
  return { ...s, name, path, error, scope };
});
texts.set('seeded: nothing', JSON.stringify(sample, null, 2));

const started = performance.now();
const errors = checkDashboards(texts);
t.comment(`one compiler program checked ${texts.size} dashboards in ${Math.round(performance.now() - started)} ms`);

function describe(file: string, e: SchemaError): string {
  const panel = e.panel === undefined ? '' : ` ("${e.panel}")`;
  return `${file}:${e.line}:${e.column} ${e.path}${panel}: ${e.message.split('\n')[0]}`;
}

for (const file of FILES) {
  t.test(`${file} is a dashboard as @grafana/schema describes it`, async (t) => {
    t.same(
      errors.get(file)!.map((e) => describe(file, e)),
      [],
      'no schema errors',
    );
  });
}

t.test('the check catches each seeded mistake, where it is', async (t) => {
  t.equal(errors.get('seeded: nothing')?.length, 0, 'the cut-down copy itself passes');
  for (const s of seeded) {
    const found = errors.get(s.name)!;
    const what = `${s.what}: ${JSON.stringify(s.value)} at ${s.path}`;
    const at = found.find((e) => e.path === s.error);
    t.ok(at, `${what}: ${at?.message.split('\n')[0] ?? `not caught (${found.map((e) => e.path).join(', ')})`}`);
    t.same(
      found.filter((e) => !e.path.startsWith(s.scope)).map((e) => e.path),
      [],
      `${what}: no error outside ${s.scope}`,
    );
  }
});
