// Checks the Grafana dashboards' structure: stable uids, datasource/job/instance variables, no hard-coded datasource
// ids, a description and queries on every panel, $__rate_interval in every rate, and only contract metric names.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { REPO } from '../helpers/processes.js';
import {
  allPanels,
  ALERTS_FILE,
  type Dashboard,
  type Panel,
  type PanelTarget,
  readDashboards,
  readRules,
  RULES_FILE,
} from '../helpers/rules.js';

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

/** Every query of a dashboard, with its panel. */
function queriesOf(d: Dashboard): { panel: Panel; target: PanelTarget }[] {
  return allPanels(d)
    .filter((p) => p.type !== 'row')
    .flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
}

function dashboard(file: string): Dashboard {
  return dashboards.find((d) => d.file === file)!.dashboard;
}

for (const { file, dashboard: d } of dashboards) {
  t.test(`${file}: panels do not overlap and fit the 24-column grid`, async (t) => {
    const placed = allPanels(d).filter((p) => p.gridPos);
    for (const [i, a] of placed.entries()) {
      const g = a.gridPos!;
      t.ok(g.x >= 0 && g.y >= 0 && g.x + g.w <= 24, `"${a.title}" fits the grid`);
      for (const b of placed.slice(i + 1)) {
        const h = b.gridPos!;
        const overlap = g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h;
        t.notOk(overlap, `"${a.title}" and "${b.title}" do not overlap`);
      }
    }
  });

  t.test(`${file}: nothing retired, and the alert list is the shipped one`, async (t) => {
    const text = JSON.stringify(d);
    t.notMatch(text, /proctable_init_sigchld_handled/, 'proctable_init_sigchld_handled is gone');
    t.notMatch(text, /InitCannotReap/, 'the InitCannotReap alert is retired');
    const shipped = [...new Set(readRules(ALERTS_FILE).map((a) => a.alert!))].sort();
    const alertQueries = queriesOf(d).filter((q) => /\bALERTS\{/.test(q.target.expr));
    t.ok(alertQueries.length > 0, 'an alerts panel');
    for (const { panel, target } of alertQueries) {
      const m = /alertname=~"([^"]+)"/.exec(target.expr);
      t.ok(m, `"${panel.title}": alertname regex`);
      t.same(m?.[1]?.split('|').sort(), shipped, `"${panel.title}": exactly the alerts in ${ALERTS_FILE}`);
    }
  });
}

t.test('fleet: inits are counted by the zombies they hold, never by their signal masks', async (t) => {
  const queries = queriesOf(dashboard('zombie-exporter-fleet.json'));
  t.same(
    queries.filter((q) => q.target.expr.includes('proctable_init_sigchld')),
    [],
    'no fleet query reads PID 1 signal masks',
  );
  const pid1 = queries.filter(
    (q) =>
      /^count\(count by \(job, instance\) \(proctable_zombie_parent_held_seconds\{[^}]*parent_pid="1"[^}]*\} > 120\)\)/.test(
        q.target.expr,
      ) && q.target.expr.endsWith(' or vector(0)'),
  );
  t.equal(pid1.length, 1, 'one query counts hosts whose PID 1 has held a zombie for over 2 minutes');
  const panel = pid1[0]?.panel;
  t.match(panel?.title, /zombies/i, 'its title says it counts zombies held');
  t.match(panel?.description, /never from signal masks/, 'its description says masks never decide');
  const containerInits = queries.filter(
    (q) =>
      /proctable_zombie_parent_held_seconds\{[^}]*\} > 120/.test(q.target.expr) &&
      /on \(job, instance, parent_pid, parent_comm\)[^{]*proctable_zombie_parent_info\{[^}]*namespace_init="true"/.test(
        q.target.expr,
      ),
  );
  t.ok(containerInits.length >= 2, 'container inits holding zombies over 2 minutes: counted and listed');
});

t.test('host: the incident view shows what the exporter and rules now export', async (t) => {
  const queries = queriesOf(dashboard('zombie-exporter-host.json'));
  const using = (re: RegExp) => queries.filter((q) => re.test(q.target.expr));

  const sigchld = using(/proctable_init_sigchld\b/);
  t.equal(sigchld.length, 1, 'one query shows the SIGCHLD disposition');
  t.match(sigchld[0]?.target.expr, /^proctable_init_sigchld\{[^}]*\} == 1$/, 'the dispositions that hold');
  t.equal(sigchld[0]?.target.legendFormat, '{{disposition}}', 'named by disposition');
  t.match(sigchld[0]?.panel.description, /explanation only, never proof/, 'described as explanation only');

  const pid1 = using(/proctable_zombie_parent_held_seconds\{[^}]*parent_pid="1"/);
  t.ok(pid1.length > 0, 'PID 1 judged on how long it has held a zombie');

  const ages = using(/proctable_zombie_parent_(held_seconds|newest_age_seconds|oldest_age_seconds)\{[^}]*\}$/).filter(
    (q) => q.panel.type === 'timeseries',
  );
  t.same(
    [...new Set(ages.map((q) => q.panel.title))].length,
    1,
    'per-parent held, oldest and newest ages share one panel',
  );
  t.same(
    ages.map((q) => /proctable_zombie_parent_(\w+)\{/.exec(q.target.expr)?.[1]).sort(),
    ['held_seconds', 'newest_age_seconds', 'oldest_age_seconds'],
    'held, oldest and newest',
  );

  const byComm = using(/^proctable_zombies_by_parent_comm\{/);
  t.same(
    byComm.map((q) => [/other="(\w+)"/.exec(q.target.expr)?.[1], q.target.legendFormat]).sort(),
    [
      ['false', '{{parent_comm}}'],
      ['true', 'other programs'],
    ],
    'zombies by program, with the other bucket labelled',
  );

  const inits = using(/group_left \(cgroup, container_id, pod_uid\) proctable_zombie_parent_info\{[^}]*namespace_init="true"/);
  t.ok(
    inits.some((q) => q.target.expr.startsWith('proctable_zombies_by_parent{') && q.panel.type === 'table'),
    'a table of container inits holding zombies',
  );

  const limit = using(/^proctable_pid_limit\{/);
  t.match(limit[0]?.target.legendFormat, /\{\{limited_by\}\}/, 'the PID limit names what limits it');
  const exhaustion = using(/^instance:proctable_pids_until_exhaustion:seconds\{/);
  t.equal(exhaustion.length, 1, 'time until PIDs run out from the recorded forecast');
  const cgroup = using(/cgroup:proctable_cgroup_pids_until_limit:seconds\{/);
  t.equal(cgroup.length, 1, 'the cgroup closest to running out');
  const host = exhaustion[0]?.panel.gridPos;
  const beside = cgroup[0]?.panel.gridPos;
  t.ok(
    host !== undefined && host.x === beside?.x && beside.y === host.y + host.h,
    'right below the host forecast',
  );
  t.same(
    queries.filter((q) => q.panel === cgroup[0]?.panel).map((q) => q.target.legendFormat?.includes('{{cgroup}}')),
    [true, true],
    'named by cgroup',
  );
  t.equal(using(/^cgroup:proctable_zombies_by_cgroup:ratio_pids\{/).length, 1, 'zombies as a share of cgroup tasks');
});
