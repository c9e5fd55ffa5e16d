import { createServer } from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { VERSION } from '../../src/version.js';
import { runCli, startExporter } from '../helpers/processes.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const NO_STACK = /^\s+at /m;

t.test('bad input: one line on stderr, a non-zero exit, no stack', async (t) => {
  const cases: [string[], number, string][] = [
    [['--nope'], 2, 'zombie-exporter: error: unknown flag --nope, try --help\n'],
    [['--sample.interval=abc'], 2, 'zombie-exporter: error: --sample.interval: invalid duration "abc" (want e.g. 500ms, 5s, 1m)\n'],
    [['--zombies.top-parents=-1'], 2, 'zombie-exporter: error: --zombies.top-parents: invalid value "-1" (want an integer from 0 to 1000)\n'],
    [['--cgroups.top=x'], 2, 'zombie-exporter: error: --cgroups.top: invalid value "x" (want an integer from 0 to 1000)\n'],
    [['--path.sysfs='], 2, 'zombie-exporter: error: --path.sysfs: empty path\n'],
    [['--path.procfs=/tmp'], 1, 'zombie-exporter: error: --path.procfs=/tmp: not a usable procfs (read loadavg: ENOENT)\n'],
    [['--path.procfs=/nonexistent'], 1, 'zombie-exporter: error: --path.procfs=/nonexistent: not a usable procfs (read loadavg: ENOENT)\n'],
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
  t.equal(version.stdout, `zombie-exporter ${VERSION} (node ${process.version})\n`);
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
  t.match(records[0], { level: 'info', msg: 'listening', procfs: ZOMBIE_TREE });
  t.match(records.at(-1), { msg: 'shutting down', signal: 'SIGTERM' });
});
