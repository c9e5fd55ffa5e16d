import { readFileSync } from 'node:fs';
import t from 'tap';
import { FLAGS, helpText, parseCommandLine } from '../../src/cli/config.js';

const run = (argv: string[]) => {
  const r = parseCommandLine(argv);
  if (r.kind !== 'run') throw new Error(`expected run, got ${r.kind}`);
  return r.config;
};

t.test('defaults follow the exporter conventions', async (t) => {
  const c = run([]);
  t.same(c.listenAddress, { host: '', port: 10070, text: ':10070' });
  t.same(
    [c.telemetryPath, c.procfsPath, c.sampleIntervalMs, c.topParents, c.logLevel, c.logFormat],
    ['/metrics', '/proc', 5000, 10, 'info', 'logfmt'],
  );
  t.same([c.sysfsPath, c.cgroupsTop], ['/sys', 20]);
  t.same(c.listenAddresses, [{ host: '', port: 10070, text: ':10070' }]);
  t.same([c.systemdSocket, c.maxRequests, c.disableExporterMetrics], [false, 40, false], "node_exporter's defaults");
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.listenAddress) && Object.isFrozen(c.listenAddresses));
});

t.test('--web.listen-address repeats: every one is kept, in order', async (t) => {
  const c = run([
    '--web.listen-address=127.0.0.1:9101',
    '--web.listen-address',
    '[::1]:9102',
    '--web.listen-address=:9103',
  ]);
  t.same(c.listenAddresses, [
    { host: '127.0.0.1', port: 9101, text: '127.0.0.1:9101' },
    { host: '::1', port: 9102, text: '[::1]:9102' },
    { host: '', port: 9103, text: ':9103' },
  ]);
  t.same(c.listenAddress, c.listenAddresses[0], 'listenAddress is the first');
  t.same(
    run(['--web.listen-address=127.0.0.1:0', '--web.listen-address=127.0.0.1:0']).listenAddresses.length,
    2,
    'port 0 twice is two ports',
  );
});

t.test('switches: given is on, --no- is off, the last one counts', async (t) => {
  const on = run(['--web.systemd-socket', '--web.disable-exporter-metrics']);
  t.same([on.systemdSocket, on.disableExporterMetrics], [true, true]);
  const off = run(['--web.systemd-socket', '--no-web.systemd-socket', '--no-web.disable-exporter-metrics']);
  t.same([off.systemdSocket, off.disableExporterMetrics], [false, false]);
});

t.test('--web.max-requests: 0 is no limit', async (t) => {
  t.equal(run(['--web.max-requests=0']).maxRequests, 0);
  t.equal(run(['--web.max-requests', '3']).maxRequests, 3);
  t.equal(
    run(['--web.max-requests=1', '--web.max-requests=7']).maxRequests,
    7,
    'a flag given twice keeps its last value',
  );
});

t.test('flags in both --flag=value and --flag value forms', async (t) => {
  const c = run([
    '--web.listen-address=127.0.0.1:9999',
    '--web.telemetry-path',
    '/z',
    '--path.procfs=/host/proc',
    '--sample.interval=500ms',
    '--zombies.top-parents=0',
    '--log.level=debug',
    '--log.format',
    'json',
    '--path.sysfs=/host/sys',
    '--cgroups.top',
    '0',
  ]);
  t.same([c.sysfsPath, c.cgroupsTop], ['/host/sys', 0]);
  t.same(c.listenAddress, { host: '127.0.0.1', port: 9999, text: '127.0.0.1:9999' });
  t.same(
    [c.telemetryPath, c.procfsPath, c.sampleIntervalMs, c.topParents, c.logLevel, c.logFormat],
    ['/z', '/host/proc', 500, 0, 'debug', 'json'],
  );
});

t.test('help and version', async (t) => {
  t.same(parseCommandLine(['--help']), { kind: 'help' });
  t.same(parseCommandLine(['-h']), { kind: 'help' });
  t.same(parseCommandLine(['--version']), { kind: 'version' });
  const help = helpText('zombie-exporter');
  for (const [name, spec] of Object.entries(FLAGS)) {
    if ('switch' in spec) t.match(help, `--[no-]${name}  `, `help lists the switch --${name}`);
    else if (t.match(help, `--${name}=`, `help lists --${name}`)) t.match(help, `Default: ${spec.default}`);
  }
  t.match(help, '--web.listen-address=ADDR ...', 'a flag that repeats says so');
});

t.test('help: every flag and its text are apart by at least two spaces, in one column', async (t) => {
  const lines = helpText('zombie-exporter').split('\n');
  const flagLines = lines.slice(lines.indexOf('Flags:') + 1).filter((l) => l !== '');
  t.equal(flagLines.length, Object.keys(FLAGS).length + 2, 'one line per flag, --help and --version');
  const columns = new Set<number>();
  for (const line of flagLines) {
    const m = /^( +(?:-h, )?--\S+(?: \.\.\.)?)( {2,})(\S.*)$/.exec(line);
    if (!t.ok(m, `flag and text apart by two or more spaces: ${line}`)) continue;
    columns.add(m![1]!.length + m![2]!.length);
  }
  const inspect = lines.find((l) => l.startsWith('  inspect'))!;
  columns.add(/^ {2}inspect +/.exec(inspect)![0].length);
  t.equal(columns.size, 1, `the text starts in one column (${[...columns].join(', ')})`);
  const longest = Math.max(...flagLines.map((l) => /^ +(?:-h, )?--\S+(?: \.\.\.)?/.exec(l)![0].length));
  t.equal([...columns][0], longest + 2, 'two spaces past the longest flag');
});

t.test('bad input is one line naming the flag', async (t) => {
  const cases: [string[], string][] = [
    [['--nope'], 'unknown flag --nope, try --help'],
    [['-x'], 'unknown flag -x, try --help'],
    [['stray'], 'unexpected argument stray, try --help'],
    [['--sample.interval'], 'flag --sample.interval needs a value, try --help'],
    [['--sample.interval=abc'], '--sample.interval: invalid duration "abc" (want e.g. 500ms, 5s, 1m)'],
    [['--sample.interval=5'], '--sample.interval: invalid duration "5" (want e.g. 500ms, 5s, 1m)'],
    [['--sample.interval=1ms'], '--sample.interval: 1ms is below the minimum of 10ms'],
    [['--sample.interval=0'], '--sample.interval: 0 is below the minimum of 10ms'],
    [['--zombies.top-parents=-1'], '--zombies.top-parents: invalid value "-1" (want an integer from 0 to 1000)'],
    [['--zombies.top-parents=2.5'], '--zombies.top-parents: invalid value "2.5" (want an integer from 0 to 1000)'],
    [['--zombies.top-parents=1001'], '--zombies.top-parents: invalid value "1001" (want an integer from 0 to 1000)'],
    [['--web.listen-address=10070'], '--web.listen-address: invalid address "10070" (want host:port or :port)'],
    [['--web.listen-address=:70000'], '--web.listen-address: invalid address ":70000" (want host:port or :port)'],
    [
      ['--web.listen-address=127.0.0.1:9101', '--web.listen-address=nope'],
      '--web.listen-address: invalid address "nope" (want host:port or :port)',
    ],
    [['--web.listen-address=:9101', '--web.listen-address=:9101'], '--web.listen-address: ":9101" is given twice'],
    [['--web.systemd-socket=yes'], 'flag --web.systemd-socket is a switch and takes no value, try --help'],
    [['--web.max-requests=-1'], '--web.max-requests: invalid value "-1" (want an integer from 0, no limit, to 100000)'],
    [
      ['--web.max-requests=lots'],
      '--web.max-requests: invalid value "lots" (want an integer from 0, no limit, to 100000)',
    ],
    [['--web.max-requests'], 'flag --web.max-requests needs a value, try --help'],
    [['--no-web.max-requests'], 'unknown flag --no-web.max-requests, try --help'],
    [
      ['--web.telemetry-path=metrics'],
      '--web.telemetry-path: invalid path "metrics" (want an absolute path other than /, /healthz and /api/...)',
    ],
    [
      ['--web.telemetry-path=/'],
      '--web.telemetry-path: invalid path "/" (want an absolute path other than /, /healthz and /api/...)',
    ],
    [
      ['--web.telemetry-path=/api/v1/snapshot'],
      '--web.telemetry-path: invalid path "/api/v1/snapshot" (want an absolute path other than /, /healthz and /api/...)',
    ],
    [['--path.procfs='], '--path.procfs: empty path'],
    [['--path.sysfs='], '--path.sysfs: empty path'],
    [['--cgroups.top=-1'], '--cgroups.top: invalid value "-1" (want an integer from 0 to 1000)'],
    [['--cgroups.top=1001'], '--cgroups.top: invalid value "1001" (want an integer from 0 to 1000)'],
    [['--cgroups.top=ten'], '--cgroups.top: invalid value "ten" (want an integer from 0 to 1000)'],
    [['--log.level=loud'], '--log.level: invalid value "loud" (one of debug, info, warn, error)'],
    [['--log.format=xml'], '--log.format: invalid value "xml" (one of logfmt, json)'],
  ];
  for (const [argv, message] of cases) {
    t.throws(() => parseCommandLine(argv), { code: 'usage', message, exitCode: 2 }, argv.join(' '));
  }
});

t.test("the README's flag table lists every flag", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const [name, spec] of Object.entries(FLAGS)) {
    const row = new RegExp(`^\\| \`--${name.replace(/\./g, '\\.')}\` \\| ([^|]*) \\|`, 'm').exec(readme);
    if (!t.ok(row, `--${name} has a row`)) continue;
    const want = 'switch' in spec ? 'off' : spec.default === '' ? '(none)' : `\`${spec.default}\``;
    t.equal(row![1]!.trim(), want, `--${name}: its default`);
  }
});
