// Files that would block, under the real built binary: a FIFO where a proc file belongs (a bind mount, another
// filesystem under --path.procfs, a hostile tree) blocks open() until something writes to it. Each is skipped and
// named, samples go on, and SIGTERM ends the exporter within its bound, for a pid's stat, a top parent's status,
// loadavg and PID 1's stat.

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';
import { startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

interface HealthBody {
  reason: string;
  sourceErrors: { source: string; message: string }[];
  skipDetails: { pid: number; reason: string; detail: string }[];
}

/** The exporter's bound on SIGTERM (src/main.ts), with room for a loaded machine to deliver the exit. */
const EXIT_BOUND_MS = 5000 + 1000;

const CASES: { file: string; what: string; check: (t: Test, health: HealthBody, metrics: string) => void }[] = [
  {
    file: '201/stat',
    what: "a zombie's stat",
    check: (t, health, metrics) => {
      t.match(health.skipDetails, [{ pid: 201, reason: 'not_regular', detail: 'ENOTREG' }], '/healthz names the pid');
      const series = parseExposition(metrics);
      t.ok(valueOf(series, 'zombie_exporter_skipped_pids_total', { reason: 'not_regular' })! >= 2, 'counted');
      t.equal(valueOf(series, 'proctable_zombies'), 8, "the other zombies are counted, this one isn't guessed at");
    },
  },
  {
    file: '100/status',
    what: "the top parent's status",
    check: (t, _health, metrics) => {
      const series = parseExposition(metrics);
      t.equal(
        valueOf(series, 'proctable_zombies_by_parent', { parent_pid: '100', parent_comm: 'bash' }),
        4,
        'the parent is still ranked by its zombies',
      );
    },
  },
  {
    file: 'loadavg',
    what: 'loadavg',
    check: (t, health, metrics) => {
      t.match(health.sourceErrors, [{ source: 'loadavg', message: /ENOTREG/ }], '/healthz names loadavg');
      const series = parseExposition(metrics);
      t.equal(valueOf(series, 'proctable_zombies'), 9, 'zombies are still published');
      t.ok(valueOf(series, 'zombie_exporter_sample_errors_total', { source: 'loadavg' })! >= 1, 'counted');
    },
  },
  {
    file: '1/stat',
    what: "PID 1's stat",
    check: (t, health, metrics) => {
      t.match(health.skipDetails, [{ pid: 1, reason: 'not_regular', detail: 'ENOTREG' }], '/healthz names PID 1');
      t.equal(valueOf(parseExposition(metrics), 'proctable_zombies'), 9);
    },
  },
];

for (const c of CASES) {
  t.test(`${c.what} is a FIFO: skipped and named, samples go on, SIGTERM exits in time`, async (t) => {
    const tree = copyTree(ZOMBIE_TREE);
    t.teardown(tree.remove);
    rmSync(`${tree.dir}/${c.file}`);
    execFileSync('mkfifo', [`${tree.dir}/${c.file}`]);
    const ex = await startExporter([`--path.procfs=${tree.dir}`, '--sample.interval=200ms', '--cgroups.top=0']);
    t.teardown(() => ex.stop('SIGKILL'));
    // Two samples, so the walk has been through the FIFO more than once without stalling.
    const metrics = await waitFor('a second sample', async () => {
      const res = await fetch(`${ex.url}/metrics`);
      const text = await res.text();
      return res.status === 200 && valueOf(parseExposition(text), 'zombie_exporter_samples_total')! >= 2 && text;
    });
    const health = (await (await fetch(`${ex.url}/healthz`)).json()) as HealthBody;
    c.check(t, health, metrics);
    const started = Date.now();
    const { code } = await ex.stop('SIGTERM');
    const took = Date.now() - started;
    t.equal(code, 0, 'a clean exit');
    t.ok(took < EXIT_BOUND_MS, `exited in ${took} ms`);
  });
}
