// The built binary's `inspect` on the fixture tree: golden table and JSON (UPDATE_GOLDEN=1 rewrites them), exit
// codes through main, bad input, and the help texts.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { FIXTURES } from '../helpers/fixtures.js';
import { MAIN, REPO, runCli } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

// Relative to the repository, so the golden files hold no machine's checkout path.
const TREE = 'test/fixtures/proc/zombies';
const NO_STACK = /^\s+at /m;

function golden(t: Test, name: string, got: string): void {
  const file = `${FIXTURES}/golden/${name}`;
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, got);
  t.equal(got, readFileSync(file, 'utf8'), `diff against ${file}; rerun with UPDATE_GOLDEN=1 after an intended change`);
}

t.test('the table on the fixture tree matches the golden file', async (t) => {
  const r = await runCli(['inspect', `--path.procfs=${TREE}`], 10_000, REPO);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
  // Only the time of the look and how long it took vary.
  const first = /^zombie-exporter inspect: \S+ at (\S+) \(one look at \d+ processes in ([\d.]+) ms\)$/m.exec(r.stdout);
  t.ok(first, 'the header names the root, the time and the cost');
  t.ok(!Number.isNaN(Date.parse(first![1]!)), 'an ISO time');
  golden(t, 'inspect.txt', r.stdout.replace(first![1]!, '<time>').replace(`in ${first![2]!} ms`, 'in <ms> ms'));
});

t.test('--json on the fixture tree matches the golden file, and is the snapshot shape', async (t) => {
  const r = await runCli(['inspect', `--path.procfs=${TREE}`, '--json'], 10_000, REPO);
  t.equal(r.code, 0);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  t.ok(typeof s.timestampMs === 'number' && typeof s.durationSeconds === 'number' && typeof s.time === 'string');
  golden(
    t,
    'inspect.json',
    `${JSON.stringify({ ...s, time: '<time>', timestampMs: 0, durationSeconds: 0 }, null, 2)}\n`,
  );
});

t.test('exit codes through the real binary: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN', async (t) => {
  const cases: [string[], number, RegExp][] = [
    [
      ['--warn.zombies=9', '--crit.zombies=20'],
      0,
      /^OK - 9 zombies, most under pid 100 \(bash\): 4; PIDs 412\/30000 \(1\.4%\) \| zombies=9;9;20;0;/,
    ],
    [['--warn.zombies=5', '--crit.zombies=20'], 1, /^WARNING - 9 zombies \(> 5\)/],
    [['--warn.zombies=5', '--crit.zombies=8'], 2, /^CRITICAL - 9 zombies \(> 8\)/],
    [['--warn.pid-usage=0.85', '--crit.pid-usage=0.95'], 0, /^OK - /],
    [['--crit.pid-usage=1%'], 2, /^CRITICAL - PIDs 412\/30000 \(1\.4%\) \(> 1\.0%\); 9 zombies/],
  ];
  await Promise.all(
    cases.map(async ([flags, code, line]) => {
      const r = await runCli(['inspect', `--path.procfs=${TREE}`, ...flags], 10_000, REPO);
      t.equal(r.code, code, flags.join(' '));
      t.match(r.stdout, line);
      t.equal(r.stdout.split('\n').length, 2, 'one line');
      t.equal(r.stderr, '');
    }),
  );
  const unknown = await runCli(['inspect', '--path.procfs=/nonexistent', '--crit.zombies=0']);
  t.same(
    [unknown.code, unknown.stdout],
    [3, 'UNKNOWN - --path.procfs=/nonexistent: cannot read the proc root (list the proc root: ENOENT)\n'],
  );
  // A folder that lists but holds nothing of a procfs (a fresh one: /tmp may hold a directory named like a pid).
  const notProcfs = mkdtempSync(join(tmpdir(), 'ze-not-procfs-'));
  t.teardown(() => rmSync(notProcfs, { recursive: true, force: true }));
  const notProc = await runCli(['inspect', `--path.procfs=${notProcfs}`, '--crit.zombies=0']);
  t.same(
    [notProc.code, notProc.stdout],
    [
      3,
      `UNKNOWN - --path.procfs=${notProcfs}: cannot read the proc root (no pid directories, no loadavg and no sys/kernel/pid_max: not a proc filesystem)\n`,
    ],
  );
});

t.test('bad input: one line, exit 3 (UNKNOWN, never a false WARNING or CRITICAL), no stack', async (t) => {
  const cases: [string[], string, string][] = [
    [['inspect', '--nope'], '', 'zombie-exporter: error: unknown flag --nope, try inspect --help\n'],
    [
      ['inspect', '--watch=fast'],
      '',
      'zombie-exporter: error: --watch: invalid duration "fast" (want e.g. 2s, 500ms, 1m)\n',
    ],
    [
      ['inspect', '--path.procfs=/nonexistent'],
      '',
      'zombie-exporter: error: --path.procfs=/nonexistent: cannot read the proc root (list the proc root: ENOENT)\n',
    ],
    [
      ['inspect', '--warn.zombies=10', '--crit.zombies=1'],
      'UNKNOWN - --crit.zombies=1 is below --warn.zombies=10 (critical must be the higher level)\n',
      'zombie-exporter: error: --crit.zombies=1 is below --warn.zombies=10 (critical must be the higher level)\n',
    ],
  ];
  await Promise.all(
    cases.map(async ([args, stdout, stderr]) => {
      const r = await runCli(args);
      t.same([r.code, r.stdout, r.stderr], [3, stdout, stderr], args.join(' '));
      t.notMatch(r.stderr, NO_STACK);
    }),
  );
});

t.test('help: the daemon names the command; inspect --help documents it', async (t) => {
  const daemon = await runCli(['--help']);
  t.equal(daemon.code, 0);
  t.match(daemon.stdout, /^usage: zombie-exporter \[<flags>\]\n {7}zombie-exporter inspect \[<flags>\]\n/);
  t.match(daemon.stdout, /^ {2}inspect {3,}One look at zombies/m);
  const inspect = await runCli(['inspect', '--help']);
  t.equal(inspect.code, 0);
  t.match(inspect.stdout, /^usage: zombie-exporter inspect \[<flags>\]/);
  t.match(inspect.stdout, '--warn.pid-usage=RATIO');
  t.equal(inspect.stderr, '');
});

t.test('a reader that goes away ends --watch quietly (exit 0, no EPIPE stack)', async (t) => {
  for (const args of ['--watch=100ms --json', '--watch=100ms']) {
    const r = spawnSync(
      'bash',
      ['-c', `set -o pipefail; ${process.execPath} ${MAIN} inspect ${args} --path.procfs=${TREE} | head -n 1`],
      {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    t.same([r.status, r.signal, r.stderr], [0, null, ''], args);
    t.equal(r.stdout.split('\n').length, 2, 'head got its line');
  }
});

t.test('SIGTERM ends --watch with exit 0 and nothing on stderr', async (t) => {
  const child = spawn(process.execPath, [MAIN, 'inspect', '--watch=100ms', `--path.procfs=${TREE}`], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await waitFor('two frames', () => out.split('zombie-exporter inspect:').length >= 3);
  child.kill('SIGTERM');
  t.same(await exited, [0, null]);
  t.equal(err, '');
});
