import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseCommandLine, type Config } from '../src/cli/config.js';
import { createLogger } from '../src/log.js';
import { serve } from '../src/serve.js';
import { ZOMBIE_TREE } from './helpers/fixtures.js';
import { waitFor } from './helpers/wait.js';

function config(extra: string[] = []): Config {
  const parsed = parseCommandLine([
    '--web.listen-address=127.0.0.1:0',
    `--path.procfs=${ZOMBIE_TREE}`,
    '--sample.interval=1h',
    ...extra,
  ]);
  if (parsed.kind !== 'run') throw new Error(`unexpected ${parsed.kind}`);
  return parsed.config;
}

t.test(
  'once the first sample exists, the scrape path is run in memory, plain and gzip, before any scrape',
  async (t) => {
    const lines: string[] = [];
    const exporter = await serve(
      config(),
      createLogger('debug', 'logfmt', (l) => lines.push(l)),
    );
    t.teardown(() => exporter.close());
    const line = await waitFor('the warm-up', () => lines.find((l) => l.includes('msg="scrape path warmed up"')));
    t.match(line, /statuses=200,200,200,200 ms=\d+\.\d/);
    const res = await fetch(`http://${exporter.address}/metrics`);
    t.equal(res.status, 200, 'the listening server serves as before');
    t.match(await res.text(), /^proctable_zombies \d+$/m);
  },
);

t.test('behind a web config nothing is warmed up: its rate limit is not spent on it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ze-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'web.yml');
  writeFileSync(file, 'rate_limit:\n  interval: 1m\n  burst: 1\n');
  const lines: string[] = [];
  const exporter = await serve(
    config([`--web.config.file=${file}`]),
    createLogger('debug', 'logfmt', (l) => lines.push(l)),
  );
  t.teardown(() => exporter.close());
  if (exporter.sampler.latest === undefined) await once(exporter.sampler, 'sample');
  const first = await fetch(`http://${exporter.address}/metrics`);
  t.equal(first.status, 200, 'the one request the limit allows went to the first real scrape');
  await first.text();
  const second = await fetch(`http://${exporter.address}/metrics`);
  t.equal(second.status, 429, 'and the limit is in force');
  await second.text();
  t.notOk(
    lines.some((l) => l.includes('warm')),
    'no warm-up was logged',
  );
});

t.test('every listener is served and closed with the app; localhost binds each address it resolves to', async (t) => {
  const exporter = await serve(
    config(['--web.listen-address=127.0.0.1:0', '--web.listen-address=localhost:0']),
    createLogger('error', 'logfmt', () => undefined),
  );
  const resolved = [...new Set((await lookup('localhost', { all: true })).map((a) => a.address))];
  t.equal(exporter.listeners.length, 2 + resolved.length, '127.0.0.1:0 twice, and localhost');
  t.same(
    exporter.listeners.slice(2).map((l) => l.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')),
    resolved,
    'localhost: one listener per address it resolves to',
  );
  if (exporter.sampler.latest === undefined) await once(exporter.sampler, 'sample');
  for (const { address } of exporter.listeners) {
    const res = await fetch(`http://${address}/metrics`);
    t.equal(res.status, 200, address);
    await res.text();
  }
  await exporter.close();
  for (const { address } of exporter.listeners)
    await t.rejects(fetch(`http://${address}/healthz`), `${address} closed`);
});

t.test('--web.disable-exporter-metrics and --web.max-requests reach the served exposition', async (t) => {
  const exporter = await serve(
    config(['--web.disable-exporter-metrics', '--web.max-requests=3']),
    createLogger('error', 'logfmt', () => undefined),
  );
  t.teardown(() => exporter.close());
  if (exporter.sampler.latest === undefined) await once(exporter.sampler, 'sample');
  const body = await (await fetch(`http://${exporter.address}/metrics`)).text();
  t.notMatch(body, /^(# (HELP|TYPE) )?(process_|nodejs_)/m, 'no process_* or nodejs_*');
  t.match(body, /^zombie_exporter_scrapes_refused_total 0$/m);
  t.match(
    body,
    /^zombie_exporter_build_info\{version="[^"]+",revision="[^"]+",branch="[^"]+",nodejs_version="v[^"]+",os="linux",arch="[^"]+",walker="(native|node)"\} 1$/m,
  );
});

t.test('--web.systemd-socket without passed sockets: refused before anything starts', async (t) => {
  const saved = { pid: process.env.LISTEN_PID, fds: process.env.LISTEN_FDS };
  delete process.env.LISTEN_FDS;
  t.teardown(() => {
    if (saved.fds !== undefined) process.env.LISTEN_FDS = saved.fds;
    if (saved.pid !== undefined) process.env.LISTEN_PID = saved.pid;
  });
  await t.rejects(
    serve(
      config(['--web.systemd-socket']),
      createLogger('error', 'logfmt', () => undefined),
    ),
    {
      code: 'listen',
      message: /^--web\.systemd-socket: no socket activation file descriptors found/,
    },
  );
});
