import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { VERSION } from '../../src/version.js';
import { REPO, runCli, startExporter } from '../helpers/processes.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const NO_STACK = /^\s+at /m;

t.test('bad input: one line on stderr, a non-zero exit, no stack', async (t) => {
  // A folder holding nothing of a procfs (a fresh one: /tmp may hold a directory named like a pid).
  const empty = mkdtempSync(join(tmpdir(), 'ze-not-procfs-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const cases: [string[], number, string][] = [
    [['--nope'], 2, 'zombie-exporter: error: unknown flag --nope, try --help\n'],
    [
      ['--sample.interval=abc'],
      2,
      'zombie-exporter: error: --sample.interval: invalid duration "abc" (want e.g. 500ms, 5s, 1m)\n',
    ],
    [
      ['--zombies.top-parents=-1'],
      2,
      'zombie-exporter: error: --zombies.top-parents: invalid value "-1" (want an integer from 0 to 1000)\n',
    ],
    [
      ['--cgroups.top=x'],
      2,
      'zombie-exporter: error: --cgroups.top: invalid value "x" (want an integer from 0 to 1000)\n',
    ],
    [['--path.sysfs='], 2, 'zombie-exporter: error: --path.sysfs: empty path\n'],
    [
      [`--path.procfs=${empty}`],
      1,
      `zombie-exporter: error: --path.procfs=${empty}: not a usable procfs (no pid directories, no loadavg and no sys/kernel/pid_max: not a proc filesystem)\n`,
    ],
    [
      ['--path.procfs=/nonexistent'],
      1,
      'zombie-exporter: error: --path.procfs=/nonexistent: not a usable procfs (list the proc root: ENOENT)\n',
    ],
  ];
  await Promise.all(
    cases.map(async ([args, code, stderr]) => {
      const r = await runCli(args);
      t.equal(r.code, code, `${args.join(' ')} exits ${code}`);
      t.equal(r.stderr, stderr, `${args.join(' ')}: the one line`);
      t.notMatch(r.stderr, NO_STACK);
      t.equal(r.stdout, '');
    }),
  );
});

t.test('a port in use', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const r = await runCli([`--web.listen-address=127.0.0.1:${port}`, `--path.procfs=${ZOMBIE_TREE}`]);
  t.equal(r.code, 1);
  t.equal(r.stderr.split('\n').filter((l) => l.includes('error')).length, 1);
  t.match(r.stderr, `zombie-exporter: error: listen tcp 127.0.0.1:${port}: address already in use\n`);
  t.notMatch(r.stderr, NO_STACK);
});

t.test('--help and --version', async (t) => {
  const help = await runCli(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /^usage: zombie-exporter \[<flags>\]/);
  t.match(help.stdout, '--sample.interval=DURATION');
  const version = await runCli(['--version']);
  t.equal(version.code, 0);
  // The revision and branch `npm run build` stamped into dist/, as Go exporters print theirs.
  const stamp = JSON.parse(readFileSync(`${REPO}dist/build-stamp.json`, 'utf8')) as {
    revision: string;
    branch: string;
  };
  t.equal(
    version.stdout,
    `zombie-exporter, version ${VERSION} (branch: ${stamp.branch}, revision: ${stamp.revision})\n` +
      `  node version:     ${process.version}\n  platform:         ${process.platform}/${process.arch}\n`,
  );
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${signal} stops sampling, closes the server and exits 0`, async (t) => {
    const ex = await startExporter([`--path.procfs=${ZOMBIE_TREE}`, '--sample.interval=50ms']);
    t.teardown(() => ex.stop('SIGKILL'));
    const res = await fetch(`${ex.url}/metrics`);
    await res.text();
    const { code, signal: sig } = await ex.stop(signal);
    t.same([code, sig], [0, null]);
    t.match(ex.stderr(), `msg="shutting down" signal=${signal}`);
    await t.rejects(fetch(`${ex.url}/metrics`), 'the port is closed');
  });
}

t.test('--log.format=json writes one JSON object per line', async (t) => {
  const ex = await startExporter([`--path.procfs=${ZOMBIE_TREE}`, '--log.format=json']);
  await ex.stop();
  const lines = ex.stderr().trim().split('\n');
  t.ok(lines.length >= 2);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  // A fixture tree can't show whose PID namespace it is, so a warning about that may come first.
  t.match(
    records.find((r) => r.msg === 'listening'),
    { level: 'info', procfs: ZOMBIE_TREE },
  );
  t.match(records.at(-1), { msg: 'shutting down', signal: 'SIGTERM' });
});

t.test('an invalid --web.config.file stops start-up with one line naming the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ze-webcfg-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string][] = [
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS9\n',
      'tls_server_config.min_version: "TLS9" is not one of TLS10, TLS11, TLS12, TLS13',
    ],
    [
      'basic_auth_users:\n  alice: hunter2\n',
      'basic_auth_users.alice: not a bcrypt hash (make one with htpasswd -nBC 10 "")',
    ],
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n',
      `tls_server_config.cert_file: cannot read "${dir}/server.crt": ENOENT`,
    ],
    [
      'http_server_config:\n  headers:\n    Set-Cookie: a=b\n',
      'http_server_config.headers.Set-Cookie: this header can not be configured',
    ],
    ['basic_auth_user:\n  alice: x\n', 'basic_auth_user: unknown key'],
  ];
  await Promise.all(
    cases.map(async ([text, message], i) => {
      const path = join(dir, `web-${i}.yml`);
      writeFileSync(path, text);
      const r = await runCli([
        `--web.config.file=${path}`,
        `--path.procfs=${ZOMBIE_TREE}`,
        '--web.listen-address=127.0.0.1:0',
      ]);
      t.equal(r.code, 1, message);
      t.match(r.stderr, `zombie-exporter: error: --web.config.file=${path}: ${message}`);
      t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      t.notMatch(r.stderr, NO_STACK);
    }),
  );
  const missing = await runCli([`--web.config.file=${dir}/nope.yml`, `--path.procfs=${ZOMBIE_TREE}`]);
  t.same(
    [missing.code, missing.stderr],
    [1, `zombie-exporter: error: --web.config.file=${dir}/nope.yml: cannot read the file: ENOENT\n`],
  );
  const timeout = await runCli(['--web.read-header-timeout=5ms']);
  t.same(
    [timeout.code, timeout.stderr],
    [2, 'zombie-exporter: error: --web.read-header-timeout: invalid duration "5ms" (want 100ms to 1h, e.g. 10s)\n'],
  );
});

t.test('inspect is untouched by the web config: it reads the proc root itself and has no such flag', async (t) => {
  const r = await runCli(['inspect', '--json', `--path.procfs=${ZOMBIE_TREE}`]);
  t.equal(r.code, 0);
  t.equal((JSON.parse(r.stdout) as { zombies: { total: number } }).zombies.total, 9);
  const flag = await runCli(['inspect', '--web.config.file=/etc/web.yml', `--path.procfs=${ZOMBIE_TREE}`]);
  t.equal(flag.code, 3, 'an unknown flag to inspect, not a server setting it silently takes');
  t.match(flag.stderr, '--web.config.file');
  t.notMatch(flag.stderr, NO_STACK);
});
