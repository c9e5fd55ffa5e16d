// The shipped alerts judged on real data: series recorded from real incidents (npm run record:incidents, see
// incidents/record.ts) are replayed through the real promtool with the shipped rule files, and the alerts it derives
// are held to what must and must not happen. Hand-written series (deploy/prometheus/*.test.yml) pin each threshold;
// these prove the thresholds do the right thing on what a real exporter, a real kernel and real inits produced.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { promtool } from '../helpers/promtool.js';
import { ALERTS_FILE, RULES_DIR, RULES_FILE } from '../helpers/rules.js';

const tool = promtool();
const skip = 'skip' in tool ? tool.skip : false;

interface Recording {
  stepSeconds: number;
  events: Record<string, number>;
  scenarios: Record<string, unknown>;
  alerts: { labels: Record<string, string>; at: number[] }[];
  series: { labels: Record<string, string>; values: (number | string | null)[] }[];
}

const load = (name: string): Recording =>
  JSON.parse(readFileSync(`${RULES_DIR}/recordings/${name}.json`, 'utf8')) as Recording;

/** promtool's series notation: a gap after a value is a staleness marker (a failed scrape marks every series of the
 * target stale at once, as the recording Prometheus did), later gaps are no sample. */
function notation(values: (number | string | null)[]): string {
  return values
    .map((v, i) => {
      if (v !== null) return typeof v === 'number' ? String(v) : v;
      return i > 0 && values[i - 1] !== null ? 'stale' : '_';
    })
    .join(' ');
}

function selector(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${name}{${pairs.join(', ')}}`;
}

interface Check {
  /** What it proves, for the test's output. */
  what: string;
  expr: string;
  /** Seconds from the recording's start. */
  at: number;
  /** The value of the one sample expected, or null for no sample at all. */
  value: number | null;
}

/** Replays a recording through promtool with `checks`; returns promtool's exit status and output. */
function replay(rec: Recording, checks: Check[]): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ze-recorded-'));
  try {
    copyFileSync(RULES_FILE, join(dir, 'rules.yml'));
    copyFileSync(ALERTS_FILE, join(dir, 'alerts.yml'));
    const test = {
      rule_files: ['rules.yml', 'alerts.yml'],
      evaluation_interval: `${rec.stepSeconds}s`,
      tests: [
        {
          name: 'recorded',
          interval: `${rec.stepSeconds}s`,
          input_series: rec.series.map((s) => ({ series: selector(s.labels), values: notation(s.values) })),
          promql_expr_test: checks.map((c) => ({
            expr: c.expr,
            eval_time: `${c.at}s`,
            exp_samples: c.value === null ? [] : [{ labels: '{}', value: c.value }],
          })),
        },
      ],
    };
    writeFileSync(join(dir, 'recorded.test.yml'), stringify(test, { lineWidth: 0 }));
    const r = spawnSync((tool as { path: string }).path, ['test', 'rules', 'recorded.test.yml'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One check at a time, so a failure names the fact that broke; promtool takes well under a second per replay. */
function judge(t: Test, rec: Recording, checks: Check[]): void {
  for (const c of checks) {
    const r = replay(rec, [c]);
    t.equal(r.status, 0, r.status === 0 ? c.what : `${c.what}\n${r.output}`);
  }
}

const firing = (alertname: string, labels: Record<string, string>): string =>
  `count(${selector({ __name__: 'ALERTS', alertname, alertstate: 'firing', ...labels })})`;

/** Every step of the recording from `from`, as eval times; a range over ALERTS checks what ever fired. */
const ever = (rec: Recording, sel: string): Pick<Check, 'expr' | 'at'> => {
  const end = (rec.series[0]!.values.length - 1) * rec.stepSeconds;
  return { expr: `count(count_over_time(${sel}[${end}s]))`, at: end };
};

t.test(
  'container incident: an init that never reaps, leaking into its pids.max until forks fail',
  { skip },
  async (t) => {
    const rec = load('container');
    const e = rec.events as Record<'leakStart' | 'firstRefusedFork' | 'exportersDown' | 'exportersUp' | 'end', number>;
    const s = rec.scenarios as { cgroup: string; initPids: Record<string, number>; insideInitPid: number };
    const incidentInit = String(s.initPids.incident);
    const insideInit = String(s.insideInitPid);
    const lastBefore = (sec: number) => Math.floor((sec - 1) / rec.stepSeconds) * rec.stepSeconds;
    judge(t, rec, [
      {
        what: "from the host's view, a critical alert names the container's init within 6 minutes of the first zombie",
        expr: firing('ContainerInitNotReaping', {
          instance: 'host',
          parent_pid: incidentInit,
          cgroup: s.cgroup,
          severity: 'critical',
        }),
        at: lastBefore(e.leakStart + 360),
        value: 1,
      },
      {
        what: "the cgroup's forecast warns before the first refused fork",
        expr: firing('CgroupPidsExhaustionForecast', { instance: 'host', cgroup: s.cgroup }),
        at: lastBefore(e.firstRefusedFork),
        value: 1,
      },
      {
        what: 'no refused fork is reported before the first one',
        expr: `count(${selector({ __name__: 'ALERTS', alertname: 'CgroupForksRefused', instance: 'host' })})`,
        at: lastBefore(e.firstRefusedFork),
        value: null,
      },
      {
        what: 'the refused forks page within 2 minutes of the first',
        expr: firing('CgroupForksRefused', { instance: 'host', cgroup: s.cgroup, severity: 'critical' }),
        at: lastBefore(e.firstRefusedFork + 120),
        value: 1,
      },
      {
        what: 'while both exporters are down, their alerts resolve (the replay keeps the staleness of the real gap)',
        expr: `count(${selector({ __name__: 'ALERTS', alertname: 'InitNotReaping', instance: 'pid-namespace' })})`,
        at: lastBefore(e.exportersUp),
        value: null,
      },
      {
        what: 'after the restart, with zombies 11 minutes old, the inside view pages InitNotReaping within 2 minutes',
        expr: firing('InitNotReaping', { instance: 'pid-namespace', parent_pid: '1' }),
        at: lastBefore(e.exportersUp + 120),
        value: 1,
      },
      {
        what: "after the restart, the host view pages the container's init again within 2 minutes",
        expr: firing('ContainerInitNotReaping', { instance: 'host', parent_pid: incidentInit }),
        at: lastBefore(e.exportersUp + 120),
        value: 1,
      },
      {
        what: 'no init that reaps (a wait() loop, tini-style, once a minute, handed old zombies) is ever blamed',
        ...ever(rec, `ALERTS{parent_pid=~".+", parent_pid!~"${incidentInit}|${insideInit}|1"}`),
        value: null,
      },
      {
        what: 'a namespace init is never a ZombieLeak, and PID usage inside the namespace is never taken for exhaustion',
        ...ever(rec, 'ALERTS{alertname=~"ZombieLeak|ZombiesHigh|PidUsageHigh|PidExhaustionForecast"}'),
        value: null,
      },
    ]);
  },
);

t.test('build ramp: tasks climb to 34% of the host PID limit and fall back', { skip }, async (t) => {
  const rec = load('ramp');
  judge(t, rec, [
    {
      what: 'PidExhaustionForecast is never even pending',
      ...ever(rec, 'ALERTS{alertname="PidExhaustionForecast"}'),
      value: null,
    },
    {
      what: 'nothing about PIDs or zombies fires',
      ...ever(rec, 'ALERTS{alertstate="firing", alertname!~"ZombieExporter.+"}'),
      value: null,
    },
  ]);
});
