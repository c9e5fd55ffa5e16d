// `npm run bench` end to end at toy sizes: it builds, creates and removes its populations, and prints every table
// with every figure present and sane. Whether a figure meets its target is not asserted here (the benchmark judges
// that on a quiet machine); that the tables hold real measurements, not blanks, NaN or nonsense, is.

import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import t from 'tap';
import { REPO } from '../helpers/processes.js';

/** Processes in the benchmark's own process groups: none may outlive it. */
function benchLeftovers(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = execFileSync('cat', [`/proc/${name}/cmdline`], { encoding: 'utf8' }).replace(/\0/g, ' ');
      if (/zombie-exporter-bench\/population|exporter-probe\.js|walk-cpu\.js|loop-control\.js/.test(cmd))
        out.push(`${name}: ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Without tap's coverage hooks: the benchmark runs a second build of src (dist-bench), which would otherwise count as
 * uncovered copies of every module, and the hooks would only add cost to what it measures. tap re-adds its
 * environment to whatever a test spawns, so the benchmark starts under `env -i` with only what it needs.
 */
const CLEAN_ENV = ['env', '-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${process.env.HOME ?? '/root'}`];

/** The tables the benchmark prints: a header line, a line of dashes, then rows, columns two spaces apart. */
function tables(stdout: string): { header: string[]; rows: Record<string, string>[] }[] {
  const lines = stdout.split('\n');
  const out: { header: string[]; rows: Record<string, string>[] }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!/^-+( {2}-+)*$/.test(lines[i]!)) continue;
    // Columns start where the dashes do; cells are cut at those offsets.
    const starts = [...lines[i]!.matchAll(/-+/g)].map((m) => m.index);
    const cut = (line: string) => starts.map((at, k) => line.slice(at, starts[k + 1] ?? line.length).trim());
    // A repeated heading (the walk table has two "ratio" columns) is told apart by its place: "ratio #2".
    const header = cut(lines[i - 1]!).map((h, k, all) =>
      all.indexOf(h) === k ? h : `${h} #${all.slice(0, k + 1).filter((x) => x === h).length}`,
    );
    const rows: Record<string, string>[] = [];
    for (let j = i + 1; j < lines.length && lines[j]!.trim() !== ''; j++)
      rows.push(Object.fromEntries(cut(lines[j]!).map((c, k) => [header[k]!, c])));
    out.push({ header, rows });
  }
  return out;
}

const num = (cell: string | undefined): number => Number(/^-?[\d.]+/.exec(cell ?? '')?.[0] ?? NaN);
/** Half the last printed digit's unit: the most a cell's rounding can hide ("12.3 ms": 0.05). */
const halfUnit = (cell: string | undefined): number => {
  const decimals = /^-?\d+(?:\.(\d+))?/.exec(cell ?? '')?.[1]?.length ?? 0;
  return 0.5 * 10 ** -decimals;
};

/**
 * What is absurd in a figure, by column: a blank or NaN anywhere, a CPU time or RSS that is zero or beyond reason,
 * a ratio that disagrees with the two figures it is made of, latencies out of order, more zombies reaped than
 * appeared. Returns one line per problem.
 */
function absurdities(stdout: string): string[] {
  const problems: string[] = [];
  const bad = (what: string) => problems.push(what);
  for (const { header, rows } of tables(stdout)) {
    if (rows.length === 0) bad(`table "${header.join(', ')}" has no rows`);
    for (const row of rows) {
      for (const [col, cell] of Object.entries(row)) {
        if (cell === '' || /NaN|undefined|Infinity/.test(cell)) bad(`"${col}" is ${JSON.stringify(cell)}`);
      }
      const ms = (col: string, max: number) => {
        if (!(col in row)) return;
        const v = num(row[col]);
        if (!(v > 0 && v < max)) bad(`"${col}" ${row[col]} is not a time between 0 and ${max} ms`);
      };
      ms('C floor CPU', 60_000);
      ms('exporter CPU', 60_000);
      ms('exporter wall', 60_000);
      ms('node:fs reader CPU', 60_000);
      if ('C floor CPU' in row) {
        // The bench divides unrounded times; the cells are rounded, which at toy sizes (a few ms) moves the quotient
        // by several percent. So the ratio must lie within what the rounded cells allow, give or take its own rounding.
        const ratio = num(row.ratio);
        const [e, eh] = [num(row['exporter CPU']), halfUnit(row['exporter CPU'])];
        const [f, fh] = [num(row['C floor CPU']), halfUnit(row['C floor CPU'])];
        const [lo, hi] = [(e - eh) / (f + fh), (e + eh) / (f - fh)];
        if (!(ratio >= lo - 0.005 && ratio <= hi + 0.005))
          bad(`ratio ${row.ratio} is not exporter CPU / C floor (${lo.toFixed(2)}-${hi.toFixed(2)})`);
        if (!(num(row.processes) > 0)) bad(`processes ${row.processes}`);
        const us = num(row['us/process']);
        if (!(us > 0.5 && us < 1000)) bad(`us/process ${row['us/process']} is not a per-process cost`);
      }
      if ('p50' in row && row.requests !== '-') {
        const [p50, p99, max] = [num(row.p50), num(row.p99), num(row.max)];
        if (!(num(row.requests) > 0)) bad(`requests ${row.requests} with ${row.scrapers} scrapers`);
        if (!(p50 >= 0 && p50 <= p99 && p99 <= max))
          bad(`latencies out of order: p50 ${row.p50}, p99 ${row.p99}, max ${row.max}`);
      }
      for (const col of ['RSS', 'RSS median, last tenth']) {
        if (!(col in row)) continue;
        const mb = num(row[col]);
        if (!(mb > 10 && mb < 2000)) bad(`"${col}" ${row[col]} is not a Node process's RSS`);
      }
      if (
        'zombies appeared' in row &&
        !(num(row.reaped) <= num(row['zombies appeared']) && num(row['zombies appeared']) > 0)
      ) {
        bad(`zombies appeared ${row['zombies appeared']}, reaped ${row.reaped}`);
      }
      if ('CPU share of one core' in row) {
        const share = num(row['CPU share of one core']);
        if (!(share > 0 && share < 100)) bad(`CPU share ${row['CPU share of one core']}`);
      }
      if ('result' in row && !['PASS', 'FAIL', 'NOT VERIFIABLE'].includes(row.result))
        bad(`target "${row.target}" has result ${row.result}`);
    }
  }
  return problems;
}

t.test('the figures checker finds what is missing or absurd', async (t) => {
  const good = [
    'processes  C floor CPU  exporter wall  exporter CPU  ratio  us/process',
    '---------  -----------  -------------  ------------  -----  ----------',
    '1127       18.9 ms      21.1 ms        21.2 ms       1.12x  18.85     ',
    '',
    'samples  RSS      zombies appeared  reaped',
    '-------  -------  ----------------  ------',
    '40       61.2 MB  120               100   ',
    '',
  ].join('\n');
  t.same(absurdities(good), []);
  t.equal(tables(good).length, 2);
  // At toy sizes the rounded cells allow a wide quotient: 3.4 / 2.0 is 1.70, yet unrounded it may be 1.65.
  t.same(
    absurdities(
      good.replace(
        '18.9 ms      21.1 ms        21.2 ms       1.12x',
        '2.0 ms       3.5 ms         3.4 ms        1.65x',
      ),
    ),
    [],
  );
  for (const [from, to, what] of [
    ['21.2 ms      ', 'NaN ms       ', 'a NaN'],
    ['1.12x', '3.00x', 'a ratio that is not exporter/floor'],
    ['18.9 ms  ', '0.0 ms   ', 'a zero floor'],
    ['61.2 MB', '0.0 MB ', 'an RSS of nothing'],
    ['120               100', '100               120', 'more reaped than appeared'],
    ['18.85', '     ', 'a blank'],
  ] as const) {
    t.not(absurdities(good.replace(from, to)).length, 0, what);
  }
});

t.test('the benchmark runs at toy sizes, prints sane figures and leaves nothing behind', async (t) => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.bench.json'], { cwd: REPO, stdio: 'inherit' });
  const r = spawnSync(
    CLEAN_ENV[0]!,
    [
      ...CLEAN_ENV.slice(1),
      process.execPath,
      'dist-bench/bench/run.js',
      '--quick',
      '--sizes=200',
      '--load-seconds=1',
      '--soak-samples=40',
      '--soak-size=100,20,5',
      '--idle-seconds=2',
      // Not the single executable: its build is the release tests' (test/release), and takes a while here.
      '--scenarios=walk,load,memory,soak,idle,events',
    ],
    { cwd: REPO, encoding: 'utf8', timeout: 240_000 },
  );
  t.equal(r.status, 0, r.stderr.slice(-2000));
  for (const heading of [
    'C floor CPU',
    'node:fs reader CPU',
    'loop delay max / p99',
    'of it waiting for a CPU',
    'most CPU in one turn',
    'turns >10 ms CPU',
    'held max (its CPU)',
    'idle process delay / held',
    'RSS',
    'RSS median, last tenth',
    'growth',
    'CPU share of one core',
    'events: sample',
    "exit event after the child's last clock reading: min",
    'resync walks',
    'target',
  ]) {
    t.match(r.stdout, heading, `prints ${heading}`);
  }
  t.match(r.stdout, /walk CPU within 1\.3x of the C floor at \d+ processes/);
  const printed = tables(r.stdout);
  t.ok(printed.length >= 6, `${printed.length} tables: walk, load, memory, soak, idle and the targets`);
  t.same(absurdities(r.stdout), [], 'every figure present and sane');
  t.match(r.stdout, /50 concurrent scrapers get no errors\s+0 errors, 0 non-2xx/, 'no errors even at toy size');
  t.same(benchLeftovers(), [], 'every process it started is gone');
});
