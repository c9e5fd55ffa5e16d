// Runs Debian's real Prometheus server for a test: temporary config and data dir, a free loopback port, its HTTP
// API, and a stop that kills its process group and removes the data dir, also when the test fails.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

/** Finds the prometheus server: required under CI (CI is set), optional elsewhere, where tests skip and say why. */
export function prometheusBinary(): { path: string } | { skip: string } {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path) return { path };
  if (process.env.CI)
    throw new Error('prometheus is required under CI (Debian package prometheus); .ci/run installs it');
  return { skip: 'prometheus not found: apt-get install prometheus to run this test' };
}

/** Process groups still running; killed on exit even when a test throws before its teardown. */
const groups = new Set<number>();
process.on('exit', () => {
  for (const pgid of groups) killGroup(pgid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface ApiResult {
  resultType: string;
  result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
}

export interface Prometheus {
  url: string;
  /** The folder holding the config, the rule files the caller put there, and the TSDB. */
  dir: string;
  logs: () => string;
  /** GET an API path; throws on HTTP or API errors with Prometheus's own message. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  query(expr: string): Promise<ApiResult>;
  queryRange(expr: string, seconds: number, stepSeconds: number): Promise<ApiResult>;
  stop(): Promise<void>;
}

/** Writes config (YAML text; rule_files relative to `dir`) via `prepare(dir)` and starts the server on it. */
export async function startPrometheus(binary: string, prepare: (dir: string) => string): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'ze-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, prepare(dir));
  let child: ChildProcess | undefined;
  let log = '';
  let url = '';
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    // Another process may take the port between freePort() and Prometheus binding it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      log = '';
      child = spawn(
        binary,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--web.console.templates=', // Debian's defaults point at /etc/prometheus; nothing here needs consoles.
          '--web.console.libraries=',
        ],
        { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      groups.add(child.pid!);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        log = (log + chunk).slice(-64_000);
      });
      const proc = child;
      const state = await waitFor(
        'prometheus to be ready',
        async () => {
          if (proc.exitCode !== null || proc.signalCode !== null) return 'exited';
          return (await fetch(`${url}/-/ready`)).status === 200 && 'ready';
        },
        30_000,
        100,
      );
      if (state === 'ready') break;
      groups.delete(proc.pid!);
      if (attempt >= 3 || !log.includes('address already in use'))
        throw new Error(`prometheus exited at start-up:\n${log}`);
    }
  } catch (err) {
    if (child) killGroup(child.pid!, 'SIGKILL');
    remove();
    throw err;
  }

  const proc = child;
  const exited = once(proc, 'exit');
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`);
    const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== 'success')
      throw new Error(`${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    dir,
    logs: () => log,
    api,
    query: (expr) => api<ApiResult>('/api/v1/query', { query: expr }),
    queryRange: (expr, seconds, step) => {
      const end = Date.now() / 1000;
      return api<ApiResult>('/api/v1/query_range', {
        query: expr,
        start: String(end - seconds),
        end: String(end),
        step: String(step),
      });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        killGroup(proc.pid!, 'SIGTERM');
        const timer = setTimeout(() => killGroup(proc.pid!, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      killGroup(proc.pid!, 'SIGKILL'); // anything it left in its group
      groups.delete(proc.pid!);
      remove();
    },
  };
}
