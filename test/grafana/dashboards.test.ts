// Checks the Grafana dashboards' structure: stable uids, datasource/job/instance variables, no hard-coded datasource
// ids, a description and queries on every panel, $__rate_interval in every rate, and only contract metric names.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { REPO } from '../helpers/processes.js';
import { allPanels, readDashboards, readRules, RULES_FILE } from '../helpers/rules.js';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const BUILTIN_ANNOTATIONS = { type: 'grafana', uid: '-- Grafana --' };
const dashboards = readDashboards();

/** Every value stored under a key named `key`, anywhere in the JSON. */
function valuesOf(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const v of node) valuesOf(v, key, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      valuesOf(v, key, out);
    }
  }
  return out;
}

function metricNames(): Set<string> {
  const text = readFileSync(`${REPO}docs/metrics.md`, 'utf8');
  const names = new Set<string>(['up', 'ALERTS']);
  for (const m of text.matchAll(/^\| `([a-z_:]+)` \| (gauge|counter|histogram) \|/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
  }
  for (const r of readRules(RULES_FILE)) names.add(r.record!);
  return names;
}

t.test('two dashboards: the fleet overview and the host incident view', async (t) => {
  t.same(
    dashboards.map((d) => [d.file, d.dashboard.uid]),
    [
      ['zombie-exporter-fleet.json', 'zombie-exporter-fleet'],
      ['zombie-exporter-host.json', 'zombie-exporter-host'],
    ],
    'stable uids, one per file',
  );
});

for (const { file, dashboard: d } of dashboards) {
  t.test(file, async (t) => {
    t.ok(d.schemaVersion >= 36, `schemaVersion ${d.schemaVersion} imports into Grafana 10 and newer`);
    t.notOk('id' in d && d.id !== null, 'no instance-specific dashboard id');
    t.notOk('__inputs' in d, 'no import-time datasource inputs: the datasource variable does that');
    t.match(d.title, /^Zombie exporter \/ /);

    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
    t.same(Object.keys(vars), ['datasource', 'job', 'instance'], 'variables: datasource, job, instance');
    t.equal(vars.datasource?.type, 'datasource');
    t.equal(vars.datasource?.query, 'prometheus');
    for (const name of ['job', 'instance']) {
      t.equal(vars[name]?.type, 'query', `${name} is a query variable`);
      t.same(vars[name]?.datasource, DATASOURCE, `${name} queries the selected datasource`);
    }
    t.match(JSON.stringify(vars.instance?.query), /job=~\\"\$job\\"/, 'instance depends on job');

    const sources = valuesOf(d, 'datasource');
    t.ok(sources.length > 0);
    for (const s of sources) {
      t.ok(
        JSON.stringify(s) === JSON.stringify(DATASOURCE) || JSON.stringify(s) === JSON.stringify(BUILTIN_ANNOTATIONS),
        `datasource reference ${JSON.stringify(s)} is the variable (or Grafana's built-in annotations)`,
      );
    }
    t.same(valuesOf(d, 'datasourceId'), [], 'no datasource ids');

    const panels = allPanels(d).filter((p) => p.type !== 'row');
    const ids = allPanels(d).map((p) => p.id);
    t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const known = metricNames();
    for (const p of panels) {
      const what = `${file}: "${p.title}"`;
      t.ok((p.description ?? '').length >= 60, `${what}: has a description`);
      t.match(p.description, /During an incident|Empty is good/, `${what}: says what to look for`);
      t.same(p.datasource, DATASOURCE, `${what}: uses the datasource variable`);
      t.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.h > 0, `${what}: has a place`);
      t.ok((p.targets ?? []).length > 0, `${what}: has queries`);
      const refIds = (p.targets ?? []).map((q) => q.refId);
      t.equal(new Set(refIds).size, refIds.length, `${what}: refIds unique`);
      for (const q of p.targets ?? []) {
        const e = q.expr;
        t.ok(e && e.trim().length > 0, `${what} ${q.refId}: has an expression`);
        t.same(q.datasource, DATASOURCE, `${what} ${q.refId}: uses the datasource variable`);
        for (const m of e.matchAll(/\b(rate|irate|increase)\([^()[]*\[([^\]]+)\]/g)) {
          t.equal(m[2], '$__rate_interval', `${what} ${q.refId}: ${m[1]}() over $__rate_interval`);
        }
        for (const sel of e.matchAll(/\{[^}]*\}/g)) {
          t.match(sel[0], /job=~"\$job"/, `${what} ${q.refId}: ${sel[0]} filters on $job`);
          t.match(sel[0], /instance=~"\$instance"/, `${what} ${q.refId}: ${sel[0]} filters on $instance`);
        }
        for (const m of e.matchAll(/(?<![\w:"$])([a-zA-Z_][\w]*(?::[\w]+)*)(?=\{)/g)) {
          t.ok(known.has(m[1]!), `${what} ${q.refId}: ${m[1]} is in docs/metrics.md or a recording rule`);
        }
      }
    }
  });
}
