// npm run bench: builds process populations and measures the exporter against the C floor, node_exporter and its own
// targets (issue 4), printing one table. Every process it starts is killed by process group, whatever happens.
// Usage: node dist-bench/bench/run.js [--quick] [--sizes=1000,10000,20000] [--load-seconds=10] [--soak-samples=10000]

import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileC, firstLine, killAll, spawnGroup, startPopulation } from './children.js';
import { cpuSeconds, rssBytes } from './proc-files.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    'load-seconds': { type: 'string' },
    'soak-samples': { type: 'string' },
    'soak-size': { type: 'string' },
    'idle-seconds': { type: 'string' },
  },
});
const quick = opts.quick === true;
const SIZES = (opts.sizes ?? (quick ? '300,1000' : '1000,10000,20000')).split(',').map(Number);
const LOAD_SECONDS = Number(opts['load-seconds'] ?? (quick ? 2 : 10));
const SOAK_SAMPLES = Number(opts['soak-samples'] ?? (quick ? 300 : 10_000));
const [SOAK_N, SOAK_Z, SOAK_K] = (opts['soak-size'] ?? (quick ? '300,100,20' : '2000,1000,100')).split(',').map(Number) as [number, number, number];
const IDLE_SECONDS = Number(opts['idle-seconds'] ?? (quick ? 10 : 60));
const ROUNDS = quick ? 1 : 3;
const MEMORY = quick ? ([1500, 500, 200] as const) : ([15_000, 5000, 2000] as const);

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The flags every launcher we ship passes to node (see the shebang in src/main.ts). */
const EXPORTER_NODE_FLAGS = ['--max-semi-space-size=1'];
const NODE_EXPORTER = (() => {
  const r = spawnSync('sh', ['-c', 'command -v prometheus-node-exporter || command -v node_exporter'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
})();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
type Verdict = 'PASS' | 'FAIL' | 'NOT VERIFIABLE';
const results: { target: string; value: string; verdict: Verdict }[] = [];
function target(name: string, value: string, pass: boolean | Verdict): void {
  results.push({ target: name, value, verdict: typeof pass === 'string' ? pass : pass ? 'PASS' : 'FAIL' });
}
function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function runJson<T>(command: string, args: string[]): Promise<T> {
  const child = spawnGroup(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await firstLine(child);
  await (child.exitCode === null ? once(child, 'exit') : Promise.resolve());
  return JSON.parse(line) as T;
}

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface ProbeReport {
  samples: number;
  lastDurationMs: number;
  eldMaxMs: number;
  eldP99Ms: number;
  gcMaxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  cpuSeconds: number;
}

/** The real exporter in a child process, reporting its event-loop delay, samples, RSS and CPU on request. */
async function startProbe(interval: string) {
  const child = spawnGroup(process.execPath, [...EXPORTER_NODE_FLAGS, `${HERE}exporter-probe.js`, interval]);
  const url = (await firstLine(child)).replace(/^listening /, '');
  const lines: Interface = createInterface({ input: child.stdout! });
  const queue: ((line: string) => void)[] = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const report = (): Promise<ProbeReport> =>
    new Promise((resolve) => {
      queue.push((l) => resolve(JSON.parse(l) as ProbeReport));
      child.stdin!.write('report\n');
    });
  return {
    url,
    pid: child.pid!,
    report,
    async waitSamples(n: number): Promise<ProbeReport> {
      return until(`${n} samples`, async () => {
        const r = await report();
        return r.samples >= n ? r : undefined;
      }, 30 * 60_000);
    },
    async stop() {
      child.stdin!.write('quit\n');
      await once(child, 'exit');
    },
  };
}

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} not in /metrics`);
  return Number(m[1]);
}

/** node_exporter's processes collector alone: CPU seconds per scrape, from its own /proc/PID/stat. */
async function nodeExporterCpuPerScrape(scrapes: number): Promise<number | undefined> {
  if (!NODE_EXPORTER) return undefined;
  const port = await freePort();
  const child = spawnGroup(NODE_EXPORTER, ['--collector.disable-defaults', '--collector.processes', `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    const url = `http://127.0.0.1:${port}/metrics`;
    const body = await until('node_exporter', async () => (await fetch(url)).text());
    if (!body.includes('node_processes_state')) throw new Error('node_exporter processes collector produced nothing');
    const before = cpuSeconds(child.pid!);
    for (let i = 0; i < scrapes; i++) await (await fetch(url)).text();
    return (cpuSeconds(child.pid!) - before) / scrapes;
  } finally {
    child.kill('SIGKILL');
  }
}

async function walkScenario(floorBin: string, populationBin: string): Promise<void> {
  log(`walk CPU per sample at ${SIZES.join(', ')} processes, ${ROUNDS} interleaved rounds each`);
  const rows: string[][] = [
    ['processes', 'C floor CPU', 'exporter wall', 'exporter CPU', 'ratio', 'us/process', 'node:fs reader CPU', 'ratio', 'node_exporter CPU/scrape', 'exporter vs node_exporter'],
  ];
  for (const n of SIZES) {
    const pop = await startPopulation(populationBin, n, Math.round(n / 20), 10);
    try {
      // Enough walks per run (about a million stat reads) for a warm JIT, as in a long-running exporter.
      const walks = Math.max(10, Math.round((quick ? 200_000 : 1_000_000) / n));
      const floors: number[] = [];
      const ours: { cpuMs: number; wallMs: number; processes: number }[] = [];
      const viaNode: number[] = [];
      const nodeExp: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        floors.push((await runJson<{ cpu_us: number }>(floorBin, ['/proc', String(walks)])).cpu_us / 1000);
        ours.push(await runJson(process.execPath, [`${HERE}walk-cpu.js`, String(walks), 'native']));
        viaNode.push((await runJson<{ cpuMs: number }>(process.execPath, [`${HERE}walk-cpu.js`, String(walks), 'node'])).cpuMs);
        const ne = await nodeExporterCpuPerScrape(Math.max(3, Math.round(walks / 3)));
        if (ne !== undefined) nodeExp.push(ne * 1000);
      }
      const floor = median(floors);
      const cpu = median(ours.map((o) => o.cpuMs));
      const wall = median(ours.map((o) => o.wallMs));
      const processes = ours[0]!.processes;
      const ne = nodeExp.length > 0 ? median(nodeExp) : undefined;
      const slow = median(viaNode);
      rows.push([
        String(processes),
        ms(floor),
        ms(wall),
        ms(cpu),
        `${(cpu / floor).toFixed(2)}x`,
        ((cpu * 1000) / processes).toFixed(2),
        ms(slow),
        `${(slow / floor).toFixed(2)}x`,
        ne === undefined ? 'not installed' : ms(ne),
        ne === undefined ? '-' : `${(cpu / ne).toFixed(2)}x`,
      ]);
      target(`walk CPU within 1.3x of the C floor at ${processes} processes`, `${(cpu / floor).toFixed(2)}x (${ms(cpu)} vs ${ms(floor)})`, cpu / floor <= 1.3);
    } finally {
      await pop.stop();
    }
  }
  printTable(rows);
}

interface LoadResult {
  requests: { total: number };
  latency: { p50: number; p97_5: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/**
 * autocannon in its own process at nice 19: it stands in for Prometheus servers on other machines, so it must not
 * take the exporter's CPU on this 2-core box; what it measures is the exporter's response, not their fight.
 */
async function load(url: string, connections: number, seconds: number): Promise<LoadResult> {
  const bin = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));
  const child = spawnGroup('nice', ['-n', '19', process.execPath, bin, '-c', String(connections), '-d', String(seconds), '-j', url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  return JSON.parse(out) as LoadResult;
}

/** A Node process doing nothing but measure its own event-loop delay: what the host does to any process's timers. */
async function control(seconds: number): Promise<{ eldMaxMs: number; eldP99Ms: number }> {
  return runJson(process.execPath, [`${HERE}loop-control.js`, String(seconds)]);
}

/**
 * "Never blocked over 10 ms" can only be judged where an idle process is not itself delayed more: on this VM, an idle
 * Node process sees 5 ms timer delays at rest and 15-40 ms while /proc is walked and the cores are busy.
 */
function loopVerdict(exporterMaxMs: number, controlMaxMs: number): Verdict {
  if (exporterMaxMs <= 10) return 'PASS';
  return controlMaxMs > 10 ? 'NOT VERIFIABLE' : 'FAIL';
}

async function loadScenario(populationBin: string): Promise<void> {
  const n = SIZES.at(-1)!;
  log(`scrapes under load at ${n} processes while walks run back to back`);
  const pop = await startPopulation(populationBin, n, Math.round(n / 20), 10);
  const probe = await startProbe('10ms');
  try {
    await probe.waitSamples(5);
    const rows: string[][] = [
      ['scrapers', 'requests', 'p50', 'p97.5', 'p99', 'max', 'errors', 'non-2xx', 'loop delay max / p99', 'idle control max / p99', 'longest GC', 'walks'],
    ];
    for (const connections of [0, 4, 50]) {
      const before = await probe.report();
      const [r, c] = await Promise.all([
        connections > 0 ? load(`${probe.url}/metrics`, connections, LOAD_SECONDS) : new Promise<undefined>((res) => setTimeout(() => res(undefined), LOAD_SECONDS * 1000)),
        control(LOAD_SECONDS),
      ]);
      const after = await probe.report();
      const loop = `${ms(after.eldMaxMs)} / ${ms(after.eldP99Ms)}`;
      const idle = `${ms(c.eldMaxMs)} / ${ms(c.eldP99Ms)}`;
      const who = connections === 0 ? 'walks alone' : `${connections} scrapers`;
      rows.push(
        r
          ? [String(connections), String(r.requests.total), ms(r.latency.p50), ms(r.latency.p97_5), ms(r.latency.p99), ms(r.latency.max), String(r.errors + r.timeouts), String(r.non2xx), loop, idle, ms(after.gcMaxMs), String(after.samples - before.samples)]
          : ['0', '-', '-', '-', '-', '-', '-', '-', loop, idle, ms(after.gcMaxMs), String(after.samples - before.samples)],
      );
      if (r && connections === 4) target(`/metrics p99 with 4 scrapers at ${n} processes under 10 ms`, ms(r.latency.p99), r.latency.p99 < 10);
      if (r && connections === 50) {
        target('50 concurrent scrapers get no errors', `${r.errors + r.timeouts} errors, ${r.non2xx} non-2xx of ${r.requests.total}`, r.errors + r.timeouts + r.non2xx === 0 && r.requests.total > 0);
      }
      target(`event loop delay p99 under 10 ms (${who})`, `${ms(after.eldP99Ms)} (idle control ${ms(c.eldP99Ms)})`, after.eldP99Ms < 10);
      target(`event loop never blocked over 10 ms (${who})`, `max ${ms(after.eldMaxMs)}; an idle process here saw ${ms(c.eldMaxMs)}; longest GC ${ms(after.gcMaxMs)}`, loopVerdict(after.eldMaxMs, c.eldMaxMs));
    }
    printTable(rows);
  } finally {
    await probe.stop();
    await pop.stop();
  }
}

async function memoryScenario(populationBin: string): Promise<void> {
  const [n, z, k] = MEMORY;
  log(`memory at ${n} processes plus ${z} zombies under ${k} parents`);
  const pop = await startPopulation(populationBin, n, z, k);
  const probe = await startProbe('10ms');
  try {
    const warm = await probe.waitSamples(20);
    const zombies = await metricValue(probe.url, 'proctable_zombies');
    const parents = await metricValue(probe.url, 'proctable_zombie_parents');
    const end = await probe.waitSamples(warm.samples + (quick ? 20 : 100));
    const perSampleMs = ((end.cpuSeconds - warm.cpuSeconds) * 1000) / (end.samples - warm.samples);
    const rss = rssBytes(probe.pid);
    printTable([
      ['zombies seen', 'parents seen', 'RSS', 'heap used', 'exporter CPU/sample (whole process)', 'sample duration'],
      [String(zombies), String(parents), mb(rss), mb(end.heapUsedBytes), ms(perSampleMs), ms(end.lastDurationMs)],
    ]);
    target(`RSS under 100 MB at ${n} processes + ${z} zombies under ${k} parents`, mb(rss), rss < 100 * 1024 * 1024);
  } finally {
    await probe.stop();
    await pop.stop();
  }
}

async function soakScenario(populationBin: string): Promise<void> {
  log(`RSS over ${SOAK_SAMPLES} samples with ${SOAK_N} processes and ${SOAK_Z} zombies under ${SOAK_K} parents churning every 250 ms`);
  const pop = await startPopulation(populationBin, SOAK_N, SOAK_Z, SOAK_K, 250);
  const probe = await startProbe('10ms');
  try {
    const warmSamples = Math.round(SOAK_SAMPLES / 10);
    const warm = await probe.waitSamples(warmSamples);
    const rssWarm = rssBytes(probe.pid);
    let rssMax = rssWarm;
    let last = warm;
    while (last.samples < SOAK_SAMPLES) {
      await new Promise((r) => setTimeout(r, 1000));
      last = await probe.report();
      rssMax = Math.max(rssMax, rssBytes(probe.pid));
    }
    const rssEnd = rssBytes(probe.pid);
    const appeared = await metricValue(probe.url, 'proctable_zombies_appeared_total');
    const reaped = await metricValue(probe.url, 'proctable_zombies_reaped_total');
    const present = await metricValue(probe.url, 'proctable_zombies');
    const growth = (rssEnd - rssWarm) / rssWarm;
    printTable([
      ['samples', `RSS at sample ${warmSamples}`, 'RSS at end', 'RSS max', 'growth', 'zombies appeared', 'reaped', 'present'],
      [String(last.samples), mb(rssWarm), mb(rssEnd), mb(rssMax), `${(growth * 100).toFixed(1)}%`, String(appeared), String(reaped), String(present)],
    ]);
    target(`RSS flat within 5% over ${last.samples} churning samples`, `${(growth * 100).toFixed(1)}% (max ${mb(rssMax)})`, Math.abs(growth) <= 0.05);
    // The first-seen table holds exactly the zombies of the last sample: everything else was counted reaped.
    target('first-seen table bounded: appeared - reaped <= zombies present + churn in flight', `${appeared} - ${reaped} = ${appeared - reaped}, present ${present}`, appeared - reaped <= present + SOAK_Z);
  } finally {
    await probe.stop();
    await pop.stop();
  }
}

async function idleScenario(): Promise<void> {
  log(`CPU of the built exporter at the default 5s interval on this host for ${IDLE_SECONDS} s, scraped every 15 s`);
  // The real binary, not the probe: the probe's own 1 ms event-loop monitor would be most of what is measured.
  const port = await freePort();
  const child = spawnGroup(process.execPath, [...EXPORTER_NODE_FLAGS, `${HERE}../../dist/main.js`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    // Start-up is not idle: wait for the one-shot host-info worker (systeminformation spawns ~14 children) to finish.
    await until('start-up to finish', async () => ((await (await fetch(`${url}/metrics`)).text()).includes('zombie_exporter_host_info{') ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    const cpu0 = cpuSeconds(child.pid!);
    const t0 = Date.now();
    while (Date.now() - t0 < IDLE_SECONDS * 1000) {
      await (await fetch(`${url}/metrics`, { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer();
      await new Promise((r) => setTimeout(r, Math.min(15_000, IDLE_SECONDS * 1000 - (Date.now() - t0) + 1)));
    }
    const share = (cpuSeconds(child.pid!) - cpu0) / ((Date.now() - t0) / 1000);
    const tasks = await metricValue(url, 'proctable_visible_tasks');
    printTable([
      ['tasks on host', 'window', 'CPU share of one core', 'RSS'],
      [String(tasks), `${IDLE_SECONDS} s`, `${(share * 100).toFixed(3)}%`, mb(rssBytes(child.pid!))],
    ]);
    target('own CPU at the default interval on an idle host under 1% of a core', `${(share * 100).toFixed(3)}%`, share < 0.01);
  } finally {
    child.kill('SIGTERM');
  }
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const [i, row] of rows.entries()) {
    process.stdout.write(`${row.map((c, j) => c.padEnd(widths[j]!)).join('  ')}\n`);
    if (i === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
  process.stdout.write('\n');
}

const floorBin = compileC('walk-floor');
const populationBin = compileC('population');
process.stdout.write(`zombie-exporter benchmark (${quick ? 'quick' : 'full'}), node ${process.version}, ${new Date().toISOString()}\n\n`);
try {
  await walkScenario(floorBin, populationBin);
  await loadScenario(populationBin);
  await memoryScenario(populationBin);
  await soakScenario(populationBin);
  await idleScenario();
} finally {
  killAll();
}
printTable([['target', 'measured', 'result'], ...results.map((r) => [r.target, r.value, r.verdict])]);
process.exit(results.every((r) => r.verdict !== 'FAIL') || quick ? 0 : 1);
