// --web.systemd-socket: the variables read as sd_listen_fds(3) defines them, and the built exporter serving sockets
// that systemd-socket-activate (systemd's own tool for testing socket activation) binds and passes to it.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import t from 'tap';
import { takePassedSockets } from '../../src/http/systemd-sockets.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { MAIN, startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const NO_STACK = /^\s+at /m;

t.test('LISTEN_FDS sockets from fd 3, named by LISTEN_FDNAMES, and the variables unset', async (t) => {
  const env: NodeJS.ProcessEnv = { LISTEN_PID: '4242', LISTEN_FDS: '3', LISTEN_FDNAMES: 'http:admin', PATH: '/bin' };
  t.same(takePassedSockets(env, 4242), { fds: [3, 4, 5], names: ['http', 'admin', 'unknown'] });
  t.same(env, { PATH: '/bin' }, 'LISTEN_* unset, nothing else touched');
  t.same(takePassedSockets({ LISTEN_PID: '7', LISTEN_FDS: '1' }, 7), { fds: [3], names: ['unknown'] });
});

t.test('no sockets, or sockets meant for another process: one line that says which', async (t) => {
  const cases: [NodeJS.ProcessEnv, string][] = [
    [
      {},
      '--web.systemd-socket: no socket activation file descriptors found (LISTEN_FDS is not set: start the exporter from a .socket unit, e.g. deploy/systemd/zombie-exporter.socket)',
    ],
    [
      { LISTEN_FDS: '1' },
      '--web.systemd-socket: no socket activation file descriptors found (LISTEN_PID is not set: start the exporter from a .socket unit, e.g. deploy/systemd/zombie-exporter.socket)',
    ],
    [
      { LISTEN_PID: '1', LISTEN_FDS: '1' },
      '--web.systemd-socket: the sockets were passed to pid 1 (LISTEN_PID), not to this process (pid 4242): run the exporter directly from the unit, not under a wrapper that forks',
    ],
    [
      { LISTEN_PID: '4242', LISTEN_FDS: '0' },
      '--web.systemd-socket: no socket activation file descriptors found (LISTEN_FDS=0)',
    ],
    [{ LISTEN_PID: '4242', LISTEN_FDS: 'two' }, '--web.systemd-socket: LISTEN_FDS="two" is not a count of sockets'],
    [{ LISTEN_PID: '4242', LISTEN_FDS: '99999' }, '--web.systemd-socket: LISTEN_FDS="99999" is not a count of sockets'],
  ];
  for (const [env, message] of cases) {
    t.throws(() => takePassedSockets({ ...env }, 4242), { code: 'listen', message, exitCode: 1 }, JSON.stringify(env));
  }
});

/**
 * Runs the built exporter to its exit under `sh -c script`, which ends by exec'ing it: the shell's $$ is then the
 * exporter's pid, so the script can set LISTEN_PID as systemd would.
 */
async function runUnderShell(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn('sh', ['-c', `${script} exec "$@"`, 'sh', process.execPath, MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

t.test('the built exporter: the same lines, exit 1, before it samples or binds anything', async (t) => {
  const env = { ...process.env };
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  const args = ['--web.systemd-socket', `--path.procfs=${ZOMBIE_TREE}`];
  const cases: [string, RegExp][] = [
    [
      '',
      /^zombie-exporter: error: --web\.systemd-socket: no socket activation file descriptors found \(LISTEN_FDS is not set/,
    ],
    [
      'export LISTEN_PID=1 LISTEN_FDS=1;',
      /^zombie-exporter: error: --web\.systemd-socket: the sockets were passed to pid 1 \(LISTEN_PID\), not to this process \(pid \d+\)/,
    ],
    // A passed fd that is not a listening socket (here /dev/null as fd 3) is named, not a crash.
    [
      'export LISTEN_PID=$$ LISTEN_FDS=1; exec 3</dev/null;',
      /^zombie-exporter: error: listen on systemd socket fd 3 \(unknown\): not a listening stream socket \(E\w+\)\n$/,
    ],
  ];
  for (const [script, line] of cases) {
    const r = await runUnderShell(script, args, env);
    t.equal(r.code, 1, `${script || 'no variables'}: exit 1`);
    t.match(r.stderr, line);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(r.stderr, NO_STACK);
  }
});

function socketActivate(): { path: string } | { skip: string } {
  const found = spawnSync('sh', ['-c', 'command -v systemd-socket-activate'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) return { path: found.stdout.trim() };
  if (process.env.CI)
    throw new Error('systemd-socket-activate is required under CI (Debian package systemd); .ci/run installs it');
  return { skip: 'systemd-socket-activate not found: apt-get install systemd to run this test' };
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const activate = socketActivate();
t.test(
  'systemd-socket-activate binds two sockets and passes them: the exporter serves both, and binds nothing else',
  { skip: 'skip' in activate && activate.skip },
  async (t) => {
    if (!('path' in activate)) return;
    const ports = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    // As under systemd: the tool holds the sockets, and starts the exporter at the first connection.
    const starting = startExporter(
      ['--web.systemd-socket', `--path.procfs=${ZOMBIE_TREE}`, '--sample.interval=1h', '--web.listen-address=:1'],
      { wrapper: [activate.path, ...ports.flatMap((p) => ['-l', `127.0.0.1:${p}`]), '--fdname=metrics:other'] },
    );
    const first = waitFor('the socket-activated exporter to answer', async () => {
      const res = await fetch(`${urls[0]!}/healthz`);
      await res.text();
      return res.status;
    });
    const ex = await starting;
    t.teardown(() => ex.stop());
    t.ok([200, 503].includes(await first), 'the connection that started it was served');
    const lines = await waitFor('both listening lines', () => {
      const found = ex.stderr().match(/msg=listening address=\S+ fd=\S+ fd_name=\S+/g);
      return found?.length === 2 && found;
    });
    t.same(
      lines,
      ports.map((p, i) => `msg=listening address=127.0.0.1:${p} fd=${3 + i} fd_name=${['metrics', 'other'][i]!}`),
      'one line per passed socket, in order',
    );
    t.match(ex.stderr(), 'msg="serving the sockets systemd passed, instead of --web.listen-address"');
    for (const url of urls) {
      const body = await waitFor(`${url}/metrics`, async () => {
        const res = await fetch(`${url}/metrics`);
        return res.status === 200 && res.text();
      });
      t.match(body, /^proctable_zombies 9$/m, `${url} serves the metrics`);
    }
    const { code } = await ex.stop();
    t.equal(code, 0, 'SIGTERM: exit 0');
  },
);
