// `npm run bench` end to end at toy sizes: it builds, creates and removes its populations, and prints every table.
// Timings are not asserted here (the benchmark judges them on a quiet machine); that it runs and cleans up is.

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
      if (/zombie-exporter-bench\/population|exporter-probe\.js|walk-cpu\.js|loop-control\.js/.test(cmd)) out.push(`${name}: ${cmd}`);
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

t.test('the benchmark runs at toy sizes and leaves nothing behind', async (t) => {
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
    ],
    { cwd: REPO, encoding: 'utf8', timeout: 240_000 },
  );
  t.equal(r.status, 0, r.stderr.slice(-2000));
  for (const heading of ['C floor CPU', 'node:fs reader CPU', 'loop delay max / p99', 'of it waiting for a CPU', 'most CPU in one turn', 'turns >10 ms CPU', 'held max (its CPU)', 'idle process delay / held', 'RSS', 'RSS median, last tenth', 'growth', 'CPU share of one core', 'target']) {
    t.match(r.stdout, heading, `prints ${heading}`);
  }
  t.match(r.stdout, /walk CPU within 1\.3x of the C floor at \d+ processes/);
  t.match(r.stdout, /50 concurrent scrapers get no errors\s+0 errors, 0 non-2xx/, 'no errors even at toy size');
  t.same(benchLeftovers(), [], 'every process it started is gone');
});
