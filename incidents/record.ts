// Records, in real time and as root, the incidents the shipped alerts are judged on: the built exporter scraped by a
// real Prometheus (Debian's) that evaluates the shipped rules, while real processes make the incident happen.
// Writes deploy/prometheus/recordings/<case>.json: every proctable_*/zombie_exporter_* series at the scrape step,
// the timeline of what was done, and when Prometheus had each alert pending and firing. test/rules/recorded.test.ts
// replays the series through promtool and holds the alerts to what must and must not happen.
//
// Usage (npm run record:incidents -- <case>):
//   container  ~20 min: a container whose init never reaps leaks into its pids.max until forks fail; beside it,
//              inits that do reap (a wait() loop, tini-style, one that reaps once a minute, one handed old zombies);
//              an exporter inside a PID namespace whose PID 1 never reaps; both exporters restarted mid-incident.
//   ramp       ~20 min: a build-style ramp of tasks on the host to 34% of its PID limit and back.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { makeCgroup, pidsHierarchyRoot, type TestCgroup } from '../test/helpers/cgroups.js';
import { startContainer, type TestContainer } from '../test/helpers/containers.js';
import { MAIN, REPO, SHIPPED_NODE_FLAGS, startExporter, type Exporter } from '../test/helpers/processes.js';
import { prometheusBinary, startPrometheus, type Prometheus } from '../test/helpers/prometheus.js';

const STEP_SECONDS = 15;
const which = process.argv[2];
if (which !== 'container' && which !== 'ramp') {
  process.stderr.write('usage: record <container|ramp>\n');
  process.exit(2);
}
const hierarchy = pidsHierarchyRoot();
if (!('dir' in hierarchy)) throw new Error(hierarchy.skip);
const cgroupRoot = hierarchy.dir;
const found = prometheusBinary();
if (!('path' in found)) throw new Error(found.skip);
const prometheusPath = found.path;

const log = (line: string): void => void process.stderr.write(`record: ${new Date().toISOString()} ${line}\n`);
const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));
const now = (): number => Date.now() / 1000;

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  return port;
}

const events: Record<string, number> = {};
const mark = (name: string): void => {
  events[name] = now();
  log(name);
};
const stoppers: (() => Promise<unknown>)[] = [];

async function prometheusFor(targets: Record<string, string>): Promise<Prometheus> {
  return startPrometheus(prometheusPath, (dir) => {
    for (const f of ['zombie-exporter-rules.yml', 'zombie-exporter-alerts.yml']) {
      writeFileSync(`${dir}/${f}`, readFileSync(`${REPO}deploy/prometheus/${f}`));
    }
    const statics = Object.entries(targets).map(
      ([instance, address]) => `      - targets: ['${address}']\n        labels: { instance: '${instance}' }`,
    );
    return [
      'global:',
      `  scrape_interval: ${STEP_SECONDS}s`,
      `  evaluation_interval: ${STEP_SECONDS}s`,
      'rule_files: [zombie-exporter-rules.yml, zombie-exporter-alerts.yml]',
      'scrape_configs:',
      '  - job_name: zombie-exporter',
      '    static_configs:',
      ...statics,
      '',
    ].join('\n');
  });
}

/** The container case. */
async function container(): Promise<{ p: Prometheus; scenarios: Record<string, unknown> }> {
  const hostPort = await freePort();
  const nsPort = await freePort();
  const flags = ['--cgroups.top=20'];
  let host: Exporter = await startExporter([...flags, `--web.listen-address=127.0.0.1:${hostPort}`]);
  // An exporter whose own view is a PID namespace whose PID 1 never reaps, with a leak to it.
  const inside = await startContainer('sleep', 3, { delaySeconds: 0.1 });
  const nsExporter = () =>
    startExporter([`--web.listen-address=127.0.0.1:${nsPort}`], {
      wrapper: ['nsenter', `--target=${inside.initPid}`, '--pid', '--mount', '--'],
    });
  let ns: Exporter = await nsExporter();
  stoppers.push(() => inside.stop());
  const p = await prometheusFor({ host: `127.0.0.1:${hostPort}`, 'pid-namespace': `127.0.0.1:${nsPort}` });
  stoppers.push(() => p.stop());
  await sleep(60);

  const cgroup: TestCgroup = makeCgroup(cgroupRoot, 'ze-incident', 200);
  mark('leakStart');
  const boxes: Record<string, TestContainer> = {
    incident: await startContainer('sleep', 3, { cgroup }),
    waitloop: await startContainer('waitloop', 3),
    tini: await startContainer('tini', 3),
    slow: await startContainer('slow', 3, { env: { SLOW: '50' } }),
  };
  // A parent that holds 5 zombies for 5 minutes and dies, handing them to an init that reaps once a minute.
  const handed = spawn(
    'unshare',
    [
      '--pid',
      '--fork',
      '--mount-proc',
      'python3',
      `${REPO}test/fixtures/bin/init.py`,
      'slow',
      '--',
      'python3',
      `${REPO}test/fixtures/bin/holder.py`,
      '5',
      '300',
    ],
    {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, SLOW: '50' },
    },
  );
  stoppers.push(async () => {
    for (const b of Object.values(boxes)) await b.stop();
    try {
      process.kill(-handed.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    await cgroup.remove().catch(() => undefined);
  });
  const refused = (async () => {
    while (cgroup.eventsMax() === 0) await sleep(1);
    mark('firstRefusedFork');
  })();

  await sleep(11 * 60);
  // Both exporters stop for two minutes and start again, with the incident's zombies 11 minutes old.
  await host.stop();
  await ns.stop();
  mark('exportersDown');
  await sleep(120);
  host = await startExporter([...flags, `--web.listen-address=127.0.0.1:${hostPort}`]);
  ns = await nsExporter();
  mark('exportersUp');
  await sleep(5 * 60);
  await refused;
  mark('end');
  stoppers.push(
    () => host.stop(),
    () => ns.stop(),
  );
  const pids = Object.fromEntries(Object.entries(boxes).map(([k, b]) => [k, b.initPid]));
  return {
    p,
    scenarios: { cgroup: cgroup.path, initPids: pids, handedInitPid: handed.pid, insideInitPid: inside.initPid },
  };
}

/** The ramp case. */
async function ramp(): Promise<{ p: Prometheus; scenarios: Record<string, unknown> }> {
  const port = await freePort();
  const host = await startExporter([`--web.listen-address=127.0.0.1:${port}`]);
  stoppers.push(() => host.stop());
  const p = await prometheusFor({ host: `127.0.0.1:${port}` });
  stoppers.push(() => p.stop());
  await sleep(120);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const limit = Number(/^proctable_pid_limit\{[^}]*\} (\d+)$/m.exec(metrics)![1]);
  const inUse = Number(/^proctable_pids_in_use (\d+)$/m.exec(metrics)![1]);
  const peak = Math.max(0, Math.round(0.34 * limit) - inUse);
  mark('rampStart');
  const child = spawn('python3', [`${REPO}test/fixtures/bin/ramp.py`, String(peak), '600', '120', '180'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stoppers.push(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    return Promise.resolve();
  });
  for await (const line of child.stdout) {
    const phase = String(line).trim();
    if (phase.includes('hold')) mark('rampPeak');
    if (phase.includes('down')) mark('rampDown');
    if (phase.includes('done')) break;
  }
  mark('rampDone');
  await sleep(5 * 60);
  mark('end');
  return { p, scenarios: { limit, peakTasks: inUse + peak } };
}

try {
  const started = now();
  const { p, scenarios } = which === 'container' ? await container() : await ramp();
  const end = now();
  const range = async (expr: string) =>
    p.api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>('/api/v1/query_range', {
      query: expr,
      start: String(Math.floor(started)),
      end: String(Math.ceil(end)),
      step: String(STEP_SECONDS),
    });
  const t0 = Math.floor(started);
  const steps = Math.ceil((Math.ceil(end) - t0) / STEP_SECONDS) + 1;
  const series = (
    await range('{__name__=~"up|proctable_.+|zombie_exporter_.+", __name__!~".+_bucket|.+_sum|.+_count"}')
  ).result.map((r) => {
    // JSON has no infinities: +Inf (a cgroup without a limit of its own) and NaN stay Prometheus's strings.
    const values: (number | string | null)[] = new Array<number | string | null>(steps).fill(null);
    for (const [t, v] of r.values) {
      values[Math.round((t - t0) / STEP_SECONDS)] = Number.isFinite(Number(v)) ? Number(v) : v;
    }
    return { labels: r.metric, values };
  });
  const alerts = (await range('ALERTS')).result.map((r) => ({
    labels: r.metric,
    at: r.values.map(([t]) => Math.round(t - t0)),
  }));
  mkdirSync(`${REPO}deploy/prometheus/recordings`, { recursive: true });
  const out = {
    recorded: new Date(started * 1000).toISOString(),
    how: `npm run record:incidents -- ${which} (incidents/record.ts), with ${MAIN.replace(REPO, '')} and node ${SHIPPED_NODE_FLAGS.join(' ')}`,
    stepSeconds: STEP_SECONDS,
    events: Object.fromEntries(Object.entries(events).map(([k, v]) => [k, Math.round(v - t0)])),
    scenarios,
    alerts,
    series,
  };
  writeFileSync(`${REPO}deploy/prometheus/recordings/${which}.json`, `${JSON.stringify(out)}\n`);
  log(`wrote ${series.length} series, ${alerts.length} alert series`);
} finally {
  for (const stop of stoppers.reverse()) await stop().catch((err: unknown) => log(`stop: ${String(err)}`));
}
process.exit(0);
