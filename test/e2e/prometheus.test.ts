// The bundled rules and dashboards against Debian's real Prometheus: it scrapes the built exporter every second
// while a real parent leaks zombies, evaluates the rule files (rendered for this test's job name by
// render-rules.mjs), and every recording rule, alert expression and dashboard query must run without error and
// return data wherever this scenario produces some.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { makeCgroup, pidsHierarchyRoot, startForker } from '../helpers/cgroups.js';
import { startExporter, startLeak } from '../helpers/processes.js';
import { prometheusBinary, startPrometheus, type ApiResult } from '../helpers/prometheus.js';
import { allPanels, ALERTS_FILE, readDashboards, readRules, RULES_DIR, RULES_FILE } from '../helpers/rules.js';
import { waitFor } from '../helpers/wait.js';

const JOB = 'zombie-exporter-e2e';
const ZOMBIES = 5;
/**
 * Grafana sets $__rate_interval to max(4 x the datasource's scrape interval, $__interval + scrape interval). With
 * Prometheus scraping every second, as here, and the datasource told so, that is 4s: the shortest window that always
 * holds enough samples for rate(), which is what makes these queries return data within seconds.
 */
const RATE_INTERVAL = '4s';

/**
 * Dashboard panels allowed to return nothing in this scenario, and why. Every other panel must return data.
 */
const MAY_BE_EMPTY: Record<string, string> = {
  'Hosts ranked by time to PID exhaustion':
    'a time to exhaustion exists only while PIDs in use trend upward; on a shared test machine the last seconds may be flat or falling',
  'Time until PIDs run out':
    'the same recorded series as the fleet ranking: present only while PIDs in use trend upward',
  'Hosts with firing zombie alerts':
    'every alert has a for: of a minute or more, longer than this test runs, so none can fire',
  'Alerts firing or pending on this host':
    'pending only if this machine happens to meet a condition (its PID 1 holding a zombie for 2 minutes, say); nothing here makes one hold',
  'Container inits holding zombies':
    'the leak here is an ordinary parent, not PID 1 of a PID namespace; only a container whose init holds zombies fills it',
  'Container inits holding zombies over 2 minutes':
    'the same container inits, after 2 minutes of holding a zombie: longer than this test runs',
  'Cgroup closest to running out of PIDs':
    'its forecast exists only while a cgroup with a limit of its own gains tasks; the cgroups here may be flat',
};

const tool = prometheusBinary();
/** As root, a real pids cgroup at its limit gives the cgroup panels data; elsewhere they may be empty. */
const cgroupRoot = pidsHierarchyRoot();
if ('skip' in cgroupRoot) {
  const why = `no pids cgroup made for this run: ${cgroupRoot.skip}`;
  MAY_BE_EMPTY['Cgroups closest to their PID limit'] = why;
  MAY_BE_EMPTY['Forks refused by cgroup PID limits'] = why;
}

t.test(
  'rules and dashboards on a real Prometheus scraping a real zombie leak',
  { skip: 'skip' in tool ? tool.skip : false },
  async (t) => {
    const started = Date.now();
    const exporter = await startExporter(['--sample.interval=250ms', '--zombies.top-parents=1000']);
    t.teardown(() => exporter.stop());
    const leak = await startLeak('zombies', ZOMBIES);
    t.teardown(() => leak.stop());
    // A cgroup at half its limit (the forker and its zombie, of 4), which refuses forks whenever `refuse` runs.
    let refuse = async (): Promise<void> => {
      // Nothing to refuse without a cgroup; replaced below when there is one.
    };
    if ('dir' in cgroupRoot) {
      const cgroup = makeCgroup(cgroupRoot.dir, `ze-prom-${process.pid}`, 4);
      const forker = await startForker(cgroup, 1);
      t.teardown(async () => {
        await forker.stop();
        await cgroup.remove();
      });
      refuse = async () => {
        const r = await forker.fork(6);
        t.ok(r.refused > 0, `the cgroup refused ${r.refused} forks`);
        await waitFor(
          'Prometheus to see the refusals',
          async () => {
            const res = await prom.query(
              `rate(proctable_cgroup_pids_rejected_total{job="${JOB}", cgroup="${cgroup.path}"}[${RATE_INTERVAL}]) > 0`,
            );
            return res.result.length === 1;
          },
          20_000,
          250,
        );
      };
    }
    const target = exporter.url.replace(/^http:\/\//, '');
    const parent = String(leak.parentPid);

    const prom = await startPrometheus((tool as { path: string }).path, (dir) => {
      // The rule files as a user with another job name deploys them: rendered by the one place that configures them.
      const r = spawnSync(
        process.execPath,
        [`${RULES_DIR}/render-rules.mjs`, '--out-dir', dir, '--selector', `job="${JOB}"`],
        {
          encoding: 'utf8',
        },
      );
      if (r.status !== 0) throw new Error(`render-rules.mjs failed: ${r.stderr}`);
      return [
        'global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}',
        'rule_files: [zombie-exporter-rules.yml, zombie-exporter-alerts.yml]',
        'scrape_configs:',
        `  - job_name: ${JOB}`,
        `    static_configs: [{targets: ['${target}']}]`,
        '',
      ].join('\n');
    });
    t.teardown(async () => {
      const logs = prom.logs();
      await prom.stop();
      if (!t.passing()) t.comment(`prometheus log (last lines):\n${logs.split('\n').slice(-30).join('\n')}`);
    });

    const scalar = async (expr: string): Promise<number | undefined> => {
      const r = await prom.query(expr);
      return r.result.length === 1 ? Number(r.result[0]!.value![1]) : undefined;
    };

    // Synchronise on Prometheus's own view: enough scrapes for a 4s rate() and every rule evaluated at least twice.
    await waitFor('the target to be up', async () => (await scalar(`up{job="${JOB}"}`)) === 1, 20_000, 200);
    t.pass(`target ${target} is up`);
    await waitFor(
      'six scrapes in the last 8s',
      async () => ((await scalar(`count_over_time(up{job="${JOB}"}[8s])`)) ?? 0) >= 6,
      30_000,
      250,
    );
    await waitFor(
      'two evaluations of the growth rule',
      async () => {
        const r = await prom.query(
          `count_over_time(instance_parent:proctable_zombies_by_parent:min10m{parent_pid="${parent}"}[5s])`,
        );
        return r.result.length === 1 && Number(r.result[0]!.value![1]) >= 2;
      },
      30_000,
      250,
    );

    t.test('the leaking parent is seen with exactly its zombies', async (t) => {
      const r = await prom.query(`proctable_zombies_by_parent{job="${JOB}", parent_pid="${parent}"}`);
      t.equal(r.result.length, 1, 'one series for the parent');
      t.equal(
        Number(r.result[0]?.value?.[1]),
        ZOMBIES,
        `proctable_zombies_by_parent{parent_pid="${parent}"} == ${ZOMBIES}`,
      );
      t.equal(r.result[0]?.metric.parent_comm, 'sleep', 'named by its comm');
      t.equal(r.result[0]?.metric.instance, target);
    });

    t.test('every rule evaluates without error', async (t) => {
      const data = await prom.api<{
        groups: { name: string; rules: { name: string; type: string; health: string; lastError?: string }[] }[];
      }>('/api/v1/rules');
      const rules = data.groups.flatMap((g) => g.rules);
      t.equal(
        rules.filter((r) => r.type === 'recording').length,
        readRules(RULES_FILE).length,
        'every recording rule loaded',
      );
      t.equal(
        rules.filter((r) => r.type === 'alerting').length,
        readRules(ALERTS_FILE).length,
        'every alerting rule loaded',
      );
      for (const r of rules) t.equal(`${r.health} ${r.lastError ?? ''}`.trim(), 'ok', `${r.type} ${r.name}: health`);
    });

    t.test('recording rules return what the host says', async (t) => {
      const sysctl = (name: string) => Number(readFileSync(`/proc/sys/kernel/${name}`, 'utf8'));
      const limit = Math.min(sysctl('pid_max'), sysctl('threads-max'));
      t.equal(
        await scalar(`instance:proctable_pid_limit:min{job="${JOB}"}`),
        limit,
        `limit is min(pid_max, threads-max) = ${limit}`,
      );
      const usage = (await scalar(`instance:proctable_pid_usage:ratio{job="${JOB}"}`)) ?? NaN;
      t.ok(usage > 0 && usage < 1, `usage ratio ${usage} is a share`);
      t.ok(
        Number.isFinite(await scalar(`instance:proctable_pids_in_use:deriv1h{job="${JOB}"}`)),
        'PID growth is recorded',
      );
      t.equal(
        await scalar(`instance_parent:proctable_zombies_by_parent:min10m{job="${JOB}", parent_pid="${parent}"}`),
        ZOMBIES,
        'floor = the leaked zombies',
      );
      t.equal(
        await scalar(
          `instance_parent:proctable_zombies_by_parent_min10m:delta30m{job="${JOB}", parent_pid="${parent}"}`,
        ),
        0,
        'growth 0: a fixed set of zombies is not growing',
      );
      // Allowed empty: the forecasts, present only while tasks trend upward (the host's, or a cgroup's toward a limit
      // of its own), which nothing here makes them do.
      const trendOnly = new Set([
        'instance:proctable_pids_until_exhaustion:seconds',
        'cgroup:proctable_cgroup_pids_until_limit:seconds',
      ]);
      for (const r of readRules(RULES_FILE)) {
        const res = await prom.query(r.record!);
        if (!trendOnly.has(r.record!)) t.ok(res.result.length > 0, `${r.record} has data`);
      }
    });

    t.test('every alert expression evaluates', async (t) => {
      for (const a of readRules(`${prom.dir}/zombie-exporter-alerts.yml`)) {
        const res = await prom.query(a.expr);
        t.equal(res.resultType, 'vector', `${a.alert} (${a.labels?.severity}) evaluates`);
      }
      const leakExpr = readRules(`${prom.dir}/zombie-exporter-alerts.yml`).find((a) => a.alert === 'ZombieLeak')!.expr;
      const leaking = await prom.query(leakExpr);
      t.same(
        leaking.result.filter((s) => s.metric.parent_pid === parent),
        [],
        'ZombieLeak does not hold yet: the oldest zombie is seconds old',
      );
    });

    t.test('every dashboard query evaluates, and returns data where this scenario has some', async (t) => {
      const substitute = (expr: string) =>
        expr.replaceAll('$__rate_interval', RATE_INTERVAL).replaceAll('$job', JOB).replaceAll('$instance', target);
      // Refusals inside the last 10 s, the window the range queries below look at.
      await refuse();
      const empty: string[] = [];
      let queries = 0;
      for (const { file, dashboard } of readDashboards()) {
        for (const panel of allPanels(dashboard).filter((p) => p.type !== 'row')) {
          for (const q of panel.targets ?? []) {
            const expr = substitute(q.expr);
            t.notMatch(expr, /\$/, `${file} "${panel.title}" ${q.refId}: every variable substituted`);
            let res: ApiResult;
            try {
              res = q.instant ? await prom.query(expr) : await prom.queryRange(expr, 10, 1);
            } catch (err) {
              t.fail(`${file} "${panel.title}" ${q.refId}: ${String(err)}`);
              continue;
            }
            queries += 1;
            const what = `${file} "${panel.title}" ${q.refId} (${q.instant ? 'instant' : 'range'})`;
            if (res.result.length > 0) t.pass(`${what}: ${res.result.length} series`);
            else if (panel.title in MAY_BE_EMPTY) empty.push(`${panel.title} ${q.refId}: ${MAY_BE_EMPTY[panel.title]}`);
            else t.fail(`${what}: no data`);
          }
        }
      }
      t.ok(queries >= 40, `${queries} dashboard queries ran`);
      t.comment(`empty, as allowed: ${empty.length === 0 ? 'none' : `\n  ${empty.join('\n  ')}`}`);
    });

    t.comment(`real-Prometheus scenario took ${((Date.now() - started) / 1000).toFixed(1)}s to reach its assertions`);
  },
);
