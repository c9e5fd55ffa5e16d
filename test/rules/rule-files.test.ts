// Checks the rule files against the house conventions and the metrics contract, and that the promtool tests cover
// every alert: a firing case with an evaluation one step earlier that does not fire, and the healthy host.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { REPO } from '../helpers/processes.js';
import { ALERT_NAMES, ALERTS_FILE, DEFAULT_SELECTOR, readRules, RULE_TESTS, RULES_FILE } from '../helpers/rules.js';

const RUNBOOK_BASE = 'https://github.com/zombie-exporter/zombie-exporter/blob/main/docs/runbooks.md';
const records = readRules(RULES_FILE);
const alerts = readRules(ALERTS_FILE);

/** Metric names documented in docs/metrics.md's tables: the contract. */
function contractNames(): Set<string> {
  const text = readFileSync(`${REPO}docs/metrics.md`, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/^\| `([a-z_:]+)` \| (gauge|counter|histogram) \|/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

/** GitHub's anchor for a markdown heading. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

t.test('every alert the issue asks for exists, and nothing else', async (t) => {
  t.same([...new Set(alerts.map((a) => a.alert))].sort(), [...ALERT_NAMES].sort());
  t.ok(
    alerts.every((a) => a.alert && !a.record),
    'the alerts file holds only alerts',
  );
  t.ok(
    records.every((r) => r.record && !r.alert),
    'the rules file holds only recording rules',
  );
});

t.test('recording rule names follow level:metric:operations', async (t) => {
  for (const r of records) t.match(r.record!, /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/, r.record!);
});

t.test('every alert has for, severity, a one-sentence summary, a description and its runbook', async (t) => {
  const runbooks = readFileSync(`${REPO}docs/runbooks.md`, 'utf8');
  const anchors = new Set([...runbooks.matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchor(m[1]!)));
  for (const a of alerts) {
    const name = `${a.alert} (${a.labels?.severity})`;
    t.match(a.for, /^\d+[smh]$/, `${name}: for`);
    t.ok(['critical', 'warning', 'info'].includes(a.labels?.severity ?? ''), `${name}: severity`);
    const summary = a.annotations?.summary ?? '';
    t.match(summary, /^[A-Z].*\.$/, `${name}: summary is a sentence`);
    t.notMatch(summary.slice(0, -1), /[.!?] |\n|\{\{/, `${name}: summary is one sentence, no template`);
    const description = a.annotations?.description ?? '';
    t.match(description, /\{\{ \$labels\.instance \}\}/, `${name}: description names the instance`);
    t.match(description, /\$value/, `${name}: description gives the value`);
    if (a.expr.includes('proctable_zombies_by_parent')) {
      t.match(description, /\$labels\.parent_comm/, `${name}: names the parent's comm`);
      if (!a.expr.includes('parent_pid="1"'))
        t.match(description, /\$labels\.parent_pid/, `${name}: names the parent's pid`);
    }
    const url = a.annotations?.runbook_url ?? '';
    t.equal(url, `${RUNBOOK_BASE}#${a.alert!.toLowerCase()}`, `${name}: runbook_url`);
    t.ok(anchors.has(a.alert!.toLowerCase()), `${name}: docs/runbooks.md has a "${a.alert}" heading`);
  }
});

t.test('two thresholds for one condition are one name with two severities', async (t) => {
  for (const name of ['ZombiesHigh', 'PidUsageHigh']) {
    t.same(
      alerts.filter((a) => a.alert === name).map((a) => a.labels!.severity),
      ['warning', 'critical'],
      name,
    );
  }
});

t.test('every selector carries the job matcher, so render-rules.mjs can swap it everywhere', async (t) => {
  for (const r of [...records, ...alerts]) {
    const what = r.record ?? `${r.alert} (${r.labels?.severity})`;
    const braces = [...r.expr.matchAll(/\{[^}]*\}/g)].map((m) => m[0]);
    t.ok(braces.length > 0, `${what}: has selectors`);
    for (const b of braces) t.ok(b.includes(DEFAULT_SELECTOR), `${what}: ${b}`);
    // A metric name outside a string must come with braces; names inside __name__ regexes are covered above.
    for (const m of r.expr.matchAll(
      /(?<![\w:"|])((?:proctable_|zombie_exporter_|instance(?:_parent)?:)[\w:]*|up\b)(\{?)/g,
    )) {
      t.equal(m[2], '{', `${what}: ${m[1]} has a selector`);
    }
  }
});

t.test('rules use only metrics of the contract (docs/metrics.md) and recorded series defined here', async (t) => {
  const contract = contractNames();
  const recorded = new Set(records.map((r) => r.record!));
  t.ok(contract.size > 20, `the contract lists ${contract.size} metrics`);
  for (const r of [...records, ...alerts]) {
    for (const m of r.expr.matchAll(/\b[a-z_]+:[\w:]+|\b(?:proctable_|zombie_exporter_)\w+/g)) {
      t.ok(contract.has(m[0]) || recorded.has(m[0]), `${r.record ?? r.alert}: ${m[0]}`);
    }
  }
});

t.test('annotations never leak the default selector, so a rendering stays truthful', async (t) => {
  for (const a of alerts) t.notMatch(JSON.stringify(a.annotations), /job=/, `${a.alert}`);
});

interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: { exp_labels: Record<string, string> }[];
}
interface UnitTest {
  name: string;
  alert_rule_test?: AlertCase[];
  promql_expr_test?: { expr: string }[];
}

const minutes = (d: string): number => {
  const m = /^(\d+)([mh])$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
};

t.test(
  'the alert tests cover every alert and severity: just before firing, at firing, and the healthy host',
  async (t) => {
    const file = parse(readFileSync(RULE_TESTS[1]!, 'utf8')) as { evaluation_interval: string; tests: UnitTest[] };
    const step = minutes(file.evaluation_interval);
    for (const a of alerts) {
      const sev = a.labels!.severity!;
      const has = (c: AlertCase) => (c.exp_alerts ?? []).some((e) => e.exp_labels.severity === sev);
      // In some test: the first evaluation at which this severity fires, and one step earlier it does not.
      const covered = file.tests.some((u) => {
        const cases = (u.alert_rule_test ?? []).filter((c) => c.alertname === a.alert);
        const firing = cases.filter(has).map((c) => minutes(c.eval_time));
        if (firing.length === 0) return false;
        const first = Math.min(...firing);
        return cases.some((c) => minutes(c.eval_time) === first - step && !has(c));
      });
      t.ok(covered, `${a.alert} (${sev}): a case one evaluation before it fires, and one as it fires`);
    }
    const healthy = file.tests.find((u) => u.name.includes('healthy fork-heavy'));
    t.ok(healthy, 'a healthy fork-heavy case exists');
    for (const name of ALERT_NAMES) {
      const cases = (healthy?.alert_rule_test ?? []).filter((c) => c.alertname === name);
      t.ok(
        cases.length >= 2 && cases.every((c) => (c.exp_alerts ?? []).length === 0),
        `${name}: never fires on the healthy host`,
      );
    }
  },
);

t.test('the recording rule tests check every recorded series', async (t) => {
  const file = parse(readFileSync(RULE_TESTS[0]!, 'utf8')) as { tests: UnitTest[] };
  const checked = new Set(file.tests.flatMap((u) => (u.promql_expr_test ?? []).map((p) => p.expr.trim())));
  for (const r of records) t.ok(checked.has(r.record!), `${r.record} has a promql_expr_test`);
});
