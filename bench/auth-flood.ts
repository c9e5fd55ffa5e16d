// npm run bench:auth: basic auth under a flood of guesses (issue 15). The built exporter with two cost-10 users; a
// valid scraper whose credentials are cached scrapes every 100 ms while autocannon (in a child process) floods wrong
// passwords and unknown users, and a valid user not yet cached tries to log in. Printed beside a reference run in
// the same invocation with no flood: the scraper's p50/p99/max, the uncached user's time to its first 200, and how
// long the exporter takes to exit on SIGTERM with the flood's comparisons still queued. Every process it starts is
// killed by process group, whatever happens.
// Usage: node dist-bench/bench/auth-flood.js [--quick] [--seconds=30] [--connections=80]

import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { spawnGroup } from './children.js';
import { printTable } from './print-table.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    // The flood's own process: autocannon against this URL, then its counts as JSON on stdout.
    flood: { type: 'string' },
    mode: { type: 'string' },
  },
});
const FLOOD_SECONDS = Number(opts.seconds ?? (opts.quick ? 12 : 30));
/** The issue's figure: 80 concurrent wrong passwords locked a valid user out for 79-92 s. */
const CONNECTIONS = Number(opts.connections ?? 80);
const SCRAPE_EVERY_MS = 100;
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const SCRAPER = { user: 'prometheus', password: 'scrape-secret' };
const NEWCOMER = { user: 'grafana', password: 'dashboard-secret' };
type FloodMode = 'guesses' | 'repeat';

interface FloodResult {
  total: number;
  statuses: Record<string, number>;
  errors: number;
}

/** The flood's process: autocannon with a fresh Authorization header per request. */
async function runFlood(url: string, mode: FloodMode): Promise<void> {
  interface Instance {
    on(event: 'response', cb: (client: unknown, status: number) => void): void;
    on(event: 'reqError', cb: () => void): void;
    stop(): void;
  }
  type Autocannon = (options: Record<string, unknown>, done: (err: Error | null) => void) => Instance;
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const statuses: Record<string, number> = {};
  let n = 0;
  // Half wrong passwords for the scraper's own name, half unknown names; every one new, so nothing is cached. In
  // 'repeat' mode, one wrong password over and over: compared once, then a cached 401.
  const authorization = () =>
    mode === 'repeat'
      ? header(SCRAPER.user, 'wrong')
      : ++n % 2 === 0
        ? header(SCRAPER.user, `guess-${n}`)
        : header(`user-${n}`, `guess-${n}`);
  let errors = 0;
  const report = () => {
    const out: FloodResult = { total: Object.values(statuses).reduce((a, b) => a + b, 0), statuses, errors };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  };
  // SIGUSR2: the counts so far, taken just before the exporter is stopped, so its shutdown's own answers and the
  // refused reconnections after it are not the flood's.
  process.on('SIGUSR2', () => {
    report();
    process.exit(0);
  });
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: FLOOD_SECONDS,
        // Longer than any wait the exporter's bounded queue allows: a reset here would be autocannon's, not its.
        timeout: 120,
        requests: [
          {
            method: 'GET',
            setupRequest: (req: { headers?: Record<string, string> }) => ({
              ...req,
              headers: { ...req.headers, authorization: authorization() },
            }),
          },
        ],
      },
      (err) => {
        if (err) reject(err);
        else {
          report();
          resolve();
        }
      },
    );
    instance.on('response', (_client, status) => (statuses[status] = (statuses[status] ?? 0) + 1));
    // A connection error or a request autocannon gave up on: a reset, from the flood's side.
    instance.on('reqError', () => errors++);
  });
}

interface Running {
  url: string;
  pid: number;
  exited: Promise<unknown>;
  stderr: () => string;
}

async function startExporter(configPath: string): Promise<Running> {
  const nodeFlags = readFileSync(`${REPO}src/main.ts`, 'utf8').split('\n')[0]!.split(' ').slice(3);
  const child = spawnGroup(
    process.execPath,
    [
      ...nodeFlags,
      `${REPO}dist/main.js`,
      '--web.listen-address=127.0.0.1:0',
      `--web.config.file=${configPath}`,
      `--path.procfs=${REPO}test/fixtures/proc/zombies`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit');
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', () => {
      const m = /msg=listening address=(\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`exporter exited: ${err}`)));
  });
  return { url: `http://${address}`, pid: child.pid!, exited, stderr: () => err };
}

/** One GET of /metrics from `localAddress`; resolves the status and the milliseconds it took. */
function get(
  url: string,
  agent: Agent,
  localAddress: string,
  authorization: string,
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(`${url}/metrics`, { agent, localAddress, headers: { authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (xs: number[], p: number) =>
  xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

interface Row {
  scenario: string;
  flood?: FloodResult;
  scrapes: number[];
  scrapeFailures: number;
  firstOkMs: number;
  firstOkAttempts: number;
  exitMs: number;
}

async function scenario(
  name: string,
  configPath: string,
  flood: FloodMode | undefined,
  clientAddress: string,
): Promise<Row> {
  const ex = await startExporter(configPath);
  const scraperAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const scraperAuth = header(SCRAPER.user, SCRAPER.password);
  // The scraper's credentials are compared once, before anything else: from here on, its scrapes are cache hits.
  for (;;) {
    const r = await get(ex.url, scraperAgent, clientAddress, scraperAuth);
    if (r.status === 200) break;
    if (r.status !== 503) throw new Error(`${name}: the scraper got ${r.status}`);
    await sleep(100); // 503: no sample yet
  }

  let floodChild: ReturnType<typeof spawnGroup> | undefined;
  let floodOut = '';
  if (flood) {
    floodChild = spawnGroup(
      process.execPath,
      [
        `${HERE}auth-flood.js`,
        `--flood=${ex.url}/metrics`,
        `--mode=${flood}`,
        `--seconds=${FLOOD_SECONDS}`,
        `--connections=${CONNECTIONS}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    floodChild.stdout!.on('data', (d: Buffer) => (floodOut += d.toString()));
    await sleep(2000); // the flood fills the comparison queue
  }
  const windowEnds = performance.now() + (FLOOD_SECONDS - (flood ? 4 : 0)) * 1000;

  const scrapes: number[] = [];
  let scrapeFailures = 0;
  const scraping = (async () => {
    while (performance.now() < windowEnds) {
      const next = performance.now() + SCRAPE_EVERY_MS;
      const r = await get(ex.url, scraperAgent, clientAddress, scraperAuth);
      if (r.status === 200) scrapes.push(r.ms);
      else scrapeFailures++;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();

  // The newcomer retries at once on anything but 200: how long a valid user is kept out, at best.
  const newcomerAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const newcomerAuth = header(NEWCOMER.user, NEWCOMER.password);
  const firstTry = performance.now();
  let attempts = 0;
  let firstOkMs = NaN;
  while (performance.now() - firstTry < 120_000) {
    attempts++;
    const r = await get(ex.url, newcomerAgent, clientAddress, newcomerAuth);
    if (r.status === 200) {
      firstOkMs = performance.now() - firstTry;
      break;
    }
  }
  await scraping;

  let floodResult: FloodResult | undefined;
  if (floodChild) {
    if (floodChild.exitCode === null) {
      const reported = once(floodChild.stdout!, 'data');
      floodChild.kill('SIGUSR2');
      await reported;
    }
    if (floodChild.exitCode === null) await once(floodChild, 'exit');
    floodResult = JSON.parse(floodOut) as FloodResult;
  }
  // SIGTERM while the comparisons the flood queued are still there (and one is running): its connections just
  // closed, so the exporter has not yet found out that nobody waits for them.
  const stopping = performance.now();
  process.kill(ex.pid, 'SIGTERM');
  await ex.exited;
  const exitMs = performance.now() - stopping;
  scraperAgent.destroy();
  newcomerAgent.destroy();
  return {
    scenario: name,
    ...(floodResult && { flood: floodResult }),
    scrapes,
    scrapeFailures,
    firstOkMs,
    firstOkAttempts: attempts,
    exitMs,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ze-auth-flood-'));
  try {
    const configPath = join(dir, 'web.yml');
    // Cost 10, what htpasswd -nBC 10 writes and exporter-toolkit's decoy costs.
    writeFileSync(
      configPath,
      `basic_auth_users:\n  ${SCRAPER.user}: '${bcrypt.hashSync(SCRAPER.password, 10)}'\n` +
        `  ${NEWCOMER.user}: '${bcrypt.hashSync(NEWCOMER.password, 10)}'\n`,
    );
    process.stdout.write(
      `auth flood: ${CONNECTIONS} connections for ${FLOOD_SECONDS} s from 127.0.0.1; a scraper every ${SCRAPE_EVERY_MS} ms with cached credentials; a valid user not yet cached retrying at once until its first 200\n\n`,
    );
    const rows: Row[] = [];
    rows.push(await scenario('reference: no flood', configPath, undefined, '127.0.0.1'));
    rows.push(await scenario('new guesses, valid users on another address', configPath, 'guesses', '127.0.0.2'));
    rows.push(await scenario('new guesses, valid users on the same address', configPath, 'guesses', '127.0.0.1'));
    rows.push(await scenario('one wrong password repeated, same address', configPath, 'repeat', '127.0.0.1'));
    const ms = (x: number) => (Number.isNaN(x) ? 'none' : `${x.toFixed(1)} ms`);
    printTable([
      [
        'scenario',
        'flood answers',
        'flood resets',
        'scrapes',
        'scrape p50',
        'scrape p99',
        'scrape max',
        'scrape non-200',
        'uncached user: first 200',
        'tries',
        'exit on SIGTERM',
      ],
      ...rows.map((r) => [
        r.scenario,
        r.flood
          ? Object.entries(r.flood.statuses)
              .map(([s, n]) => `${n} x ${s}`)
              .join(', ')
          : '-',
        r.flood ? String(r.flood.errors) : '-',
        String(r.scrapes.length),
        ms(percentile(r.scrapes, 0.5)),
        ms(percentile(r.scrapes, 0.99)),
        ms(Math.max(...r.scrapes)),
        String(r.scrapeFailures),
        ms(r.firstOkMs),
        String(r.firstOkAttempts),
        ms(r.exitMs),
      ]),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (opts.flood !== undefined) await runFlood(opts.flood, (opts.mode ?? 'guesses') as FloodMode);
else await main();
