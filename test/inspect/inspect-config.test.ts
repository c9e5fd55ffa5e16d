import t from 'tap';
import { inspectHelpText, parseInspectCommandLine, wantsCheck } from '../../src/inspect/inspect-config.js';

t.test('defaults', async (t) => {
  t.same(parseInspectCommandLine([]), {
    kind: 'run',
    options: { procfsPath: '/proc', topParents: 10, json: false, watchMs: null, thresholds: {} },
  });
  t.same(parseInspectCommandLine(['--help']), { kind: 'help' });
  t.same(parseInspectCommandLine(['-h']), { kind: 'help' });
});

t.test('every flag, in both --flag=value and --flag value forms', async (t) => {
  const r = parseInspectCommandLine([
    '--path.procfs',
    '/host/proc',
    '--zombies.top-parents=3',
    '--json',
    '--watch',
    '1.5s',
  ]);
  t.same(r, {
    kind: 'run',
    options: { procfsPath: '/host/proc', topParents: 3, json: true, watchMs: 1500, thresholds: {} },
  });
  const check = parseInspectCommandLine([
    '--warn.zombies=10',
    '--crit.zombies=50',
    '--warn.pid-usage=85%',
    '--crit.pid-usage=0.95',
  ]);
  t.same(check.kind === 'run' && check.options.thresholds, {
    warnZombies: 10,
    critZombies: 50,
    warnPidUsage: 0.85,
    critPidUsage: 0.95,
  });
  const zero = parseInspectCommandLine(['--crit.zombies=0', '--crit.pid-usage=0']);
  t.same(zero.kind === 'run' && zero.options.thresholds, { critZombies: 0, critPidUsage: 0 });
  t.ok(Object.isFrozen(r.kind === 'run' && r.options));
});

t.test('bad input: one line naming the flag', async (t) => {
  const cases: [string[], string][] = [
    [['--nope'], 'unknown flag --nope, try inspect --help'],
    [['--watch'], 'flag --watch needs a value, try inspect --help'],
    [['extra'], 'unexpected argument extra, try inspect --help'],
    [['--watch=soon'], '--watch: invalid duration "soon" (want e.g. 2s, 500ms, 1m)'],
    [['--watch=10ms'], '--watch: 10ms is below the minimum of 100ms'],
    [['--path.procfs='], '--path.procfs: empty path'],
    [['--zombies.top-parents=x'], '--zombies.top-parents: invalid value "x" (want an integer from 0 to 1000)'],
    [['--warn.zombies=-1'], '--warn.zombies: invalid value "-1" (want a whole number of zombies, e.g. 0 or 50)'],
    [['--crit.zombies=1.5'], '--crit.zombies: invalid value "1.5" (want a whole number of zombies, e.g. 0 or 50)'],
    [
      ['--warn.pid-usage=1.5'],
      '--warn.pid-usage: invalid value "1.5" (want a ratio from 0 to 1, or a percentage: 0.85 or 85%)',
    ],
    [
      ['--crit.pid-usage=120%'],
      '--crit.pid-usage: invalid value "120%" (want a ratio from 0 to 1, or a percentage: 0.85 or 85%)',
    ],
    [
      ['--crit.pid-usage=high'],
      '--crit.pid-usage: invalid value "high" (want a ratio from 0 to 1, or a percentage: 0.85 or 85%)',
    ],
    [
      ['--warn.zombies=10', '--crit.zombies=5'],
      '--crit.zombies=5 is below --warn.zombies=10 (critical must be the higher level)',
    ],
    [
      ['--warn.pid-usage=0.9', '--crit.pid-usage=85%'],
      '--crit.pid-usage=85% is below --warn.pid-usage=90% (critical must be the higher level)',
    ],
    [['--crit.zombies=0', '--watch=2s'], '--watch does not go with --warn.*/--crit.*: a check looks once and exits'],
    [['--crit.zombies=0', '--json'], '--json does not go with --warn.*/--crit.*: a check prints one status line'],
  ];
  for (const [argv, message] of cases) {
    t.throws(() => parseInspectCommandLine(argv), { code: 'usage', message }, argv.join(' '));
  }
});

t.test('check mode is recognised even in argv that does not parse', async (t) => {
  t.equal(wantsCheck(['--warn.zombies=x']), true);
  t.equal(wantsCheck(['--crit.pid-usage', '2']), true);
  t.equal(wantsCheck(['--json', '--watch=1s']), false);
});

t.test('help lists every flag and the exit codes', async (t) => {
  const help = inspectHelpText('zombie-exporter');
  t.match(help, /^usage: zombie-exporter inspect \[<flags>\]\n/);
  for (const flag of [
    '--path.procfs=DIR',
    '--zombies.top-parents=N',
    '--json ',
    '--watch=DURATION',
    '--warn.zombies=N',
    '--crit.zombies=N',
    '--warn.pid-usage=RATIO',
    '--crit.pid-usage=RATIO',
  ]) {
    t.match(help, flag);
  }
  t.match(help, 'exit 0 OK, 1 WARNING, 2 CRITICAL,\n3 UNKNOWN');
  t.match(help, 'never kills anything');
});
