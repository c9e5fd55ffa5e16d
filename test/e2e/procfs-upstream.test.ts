// The built exporter and `inspect` on prometheus/procfs's own fixture tree (test/fixtures/procfs-upstream, see its
// SOURCE.md): no pid_max, no threads-max, no PID 1. It starts, publishes the processes and zombies it finds, leaves
// out what needs the missing files and names them; only a root that can't be listed, or holds nothing of a procfs,
// is refused.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { find, parseExposition, valueOf } from '../helpers/exposition.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli, startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const TREE = `${FIXTURES}/procfs-upstream/proc`;
const NO_STACK = /^\s+at /m;

t.test('the exporter starts on it and serves what needs neither pid_max nor threads-max', async (t) => {
  const ex = await startExporter([`--path.procfs=${TREE}`, '--sample.interval=100ms']);
  t.teardown(() => ex.stop());
  await waitFor('a first sample', async () => (await fetch(`${ex.url}/healthz`)).status === 200);
  const res = await fetch(`${ex.url}/metrics`);
  t.equal(res.status, 200);
  const text = await res.text();
  const s = parseExposition(text);

  // The tree's stat files, read by hand: 26231 vim R, 26232 ata_sff S, 584 R (comm "(a b ) ( c d) "); 26233 and
  // 26234 have no stat; no zombie anywhere.
  t.equal(valueOf(s, 'proctable_zombies'), 0);
  t.equal(valueOf(s, 'proctable_zombie_parents'), 0);
  t.equal(valueOf(s, 'proctable_processes', { state: 'R' }), 2);
  t.equal(valueOf(s, 'proctable_processes', { state: 'S' }), 1);
  t.equal(valueOf(s, 'proctable_processes', { state: 'Z' }), 0, 'states present at 0');
  t.equal(valueOf(s, 'proctable_visible_tasks'), 3);
  t.equal(valueOf(s, 'proctable_zombies_by_parent', { parent_pid: 'other', parent_comm: '' }), 0);
  t.equal(valueOf(s, 'zombie_exporter_skipped_pids_total', { reason: 'vanished' })! % 2, 0, 'two per sample');
  // Its loadavg says 1/497 and its /proc/stat "processes 26442": what needs only those is there.
  t.equal(valueOf(s, 'proctable_pids_in_use'), 497);
  t.equal(valueOf(s, 'proctable_kernel_tasks'), 497);
  t.equal(valueOf(s, 'proctable_forks_total'), 26442);

  for (const name of ['proctable_pid_limit', 'proctable_pid_max', 'proctable_threads_max']) {
    t.same(find(s, name), [], `${name} absent (not 0)`);
    t.match(text, `# HELP ${name} `, `${name} still declared`);
  }
  const errors = (source: string) => valueOf(s, 'zombie_exporter_sample_errors_total', { source })!;
  t.ok(errors('pid_max') >= 1 && errors('pid_max') === errors('threads_max'), 'pid_max and threads_max per sample');
  t.same([errors('procfs_root'), errors('loadavg')], [0, 0]);
  t.equal(valueOf(s, 'zombie_exporter_samples_total'), errors('pid_max'), 'every sample counted it, and published');

  const health = (await (await fetch(`${ex.url}/healthz`)).json()) as {
    healthy: boolean;
    reason: string;
    sourceErrors: { source: string; message: string }[];
    pidUsageUnknown: { reason: string; files: string[] } | null;
  };
  t.equal(health.healthy, true, 'fresh samples: healthy, with what they lack spelled out');
  t.match(health.reason, 'pid_max unreadable: read sys/kernel/pid_max: ENOENT');
  t.match(health.reason, 'PID usage unknown: pid_max and threads-max unreadable');
  t.same(health.sourceErrors, [
    { source: 'pid_max', message: 'read sys/kernel/pid_max: ENOENT' },
    { source: 'threads_max', message: 'read sys/kernel/threads-max: ENOENT' },
  ]);
  t.same(health.pidUsageUnknown, {
    reason: 'PID usage unknown: pid_max and threads-max unreadable',
    files: ['sys/kernel/pid_max', 'sys/kernel/threads-max'],
  });

  const page = await (await fetch(`${ex.url}/`)).text();
  t.match(page, '<p class="bad" id="pid-usage-unknown">PID usage unknown: pid_max and threads-max unreadable</p>');
  const snapshot = (await (await fetch(`${ex.url}/api/v1/snapshot`)).json()) as { pids: Record<string, unknown> };
  t.match(snapshot.pids, { inUse: 497, limit: null, usage: null, unknown: ['pid_max', 'threads_max'] });
  t.notMatch(ex.stderr(), /not a usable procfs|sample failed/);
});

t.test('inspect on it: exit 0, and the headline names what is missing', async (t) => {
  const r = await runCli(['inspect', `--path.procfs=${TREE}`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  t.match(lines[0], /^zombie-exporter inspect: \S+ at \S+ \(one look at 3 processes in [\d.]+ ms\)$/);
  t.same(lines.slice(2, 5), [
    'Zombies  0 under 0 parents; 0 exited leaders with live threads (not reapable yet, not counted)',
    'PIDs     PID usage unknown: pid_max and threads-max unreadable (known: 497 in use)',
    'PID 1    not visible',
  ]);
  t.match(r.stdout, 'Could not read pid_max: read sys/kernel/pid_max: ENOENT.');

  const json = await runCli(['inspect', `--path.procfs=${TREE}`, '--json']);
  t.equal(json.code, 0);
  const s = JSON.parse(json.stdout) as { zombies: { total: number }; pids: Record<string, unknown> };
  t.equal(s.zombies.total, 0);
  t.match(s.pids, { inUse: 497, limit: null, usage: null, pidMax: null, threadsMax: null });
  t.same(s.pids.unknown, ['pid_max', 'threads_max']);

  // A check on zombies alone still judges; one that asks about PID usage can't, and says so.
  const zombies = await runCli(['inspect', `--path.procfs=${TREE}`, '--warn.zombies=5']);
  t.equal(zombies.code, 0);
  t.match(zombies.stdout, /^OK - 0 zombies; PID usage unknown: pid_max and threads-max unreadable \| /);
  const pids = await runCli(['inspect', `--path.procfs=${TREE}`, '--warn.pid-usage=0.8']);
  t.equal(pids.code, 3);
  t.match(
    pids.stdout,
    /^UNKNOWN - PID usage unknown: pid_max and threads-max unreadable; 0 zombies \| .*pid_usage=U;80;/,
  );
});

t.test('only a root that cannot be listed, or holds nothing of a procfs, is refused', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'ze-empty-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  for (const [root, why] of [
    [`${empty}/missing`, 'list the proc root: ENOENT'],
    [empty, 'no pid directories, no loadavg and no sys/kernel/pid_max: not a proc filesystem'],
  ] as const) {
    const serve = await runCli([`--path.procfs=${root}`, '--web.listen-address=127.0.0.1:0']);
    t.equal(serve.code, 1, `${root}: the daemon refuses`);
    t.equal(serve.stderr, `zombie-exporter: error: --path.procfs=${root}: not a usable procfs (${why})\n`);
    const inspect = await runCli(['inspect', `--path.procfs=${root}`]);
    t.equal(inspect.code, 3, `${root}: inspect is UNKNOWN`);
    t.equal(inspect.stderr, `zombie-exporter: error: --path.procfs=${root}: cannot read the proc root (${why})\n`);
    t.notMatch(serve.stderr + inspect.stderr, NO_STACK);
  }
});
