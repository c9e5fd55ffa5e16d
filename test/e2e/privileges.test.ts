// Running unprivileged: the built exporter as nobody with no capabilities at all, on the host's /proc, on a procfs
// mounted with hidepid=2 in a private mount namespace, and on a tree where a file is unreadable to it.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { find, parseExposition, valueOf } from '../helpers/exposition.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';
import { startExporter, startLeak, type Exporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
/** nobody, with every capability set emptied and no way to regain one. */
const AS_NOBODY = ['setpriv', ...NOBODY, '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs'];

function canRun(): true | string {
  if (process.getuid?.() !== 0) return 'needs root to become nobody and to mount a procfs';
  if (
    spawnSync('sh', ['-c', 'command -v setpriv && command -v unshare && command -v python3'], { stdio: 'ignore' })
      .status !== 0
  )
    return 'needs setpriv, unshare, python3';
  return true;
}
const can = canRun();
if (can !== true && process.env.CI) throw new Error(`the privilege tests must run under CI: ${can}`);
const skip = can === true ? false : can;

/** The exporter's node process: the wrapper itself (setpriv execs), or the node below unshare and sh. */
function exporterPid(ex: Exporter): number {
  const find = (pid: number): number => {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node') return pid;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    for (const k of kids) {
      const found = find(k);
      if (found) return found;
    }
    return 0;
  };
  return find(ex.child.pid!);
}

function statusOf(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

async function scrapeWhen(ex: Exporter, ready: (text: string) => boolean) {
  const text = await waitFor('a ready exposition', async () => {
    const res = await fetch(`${ex.url}/metrics`);
    const body = await res.text();
    return res.status === 200 && ready(body) && body;
  });
  return parseExposition(text);
}

t.test('as nobody on the host /proc (no hidepid): sees every process, holds no capability', { skip }, async (t) => {
  const rootLeak = await startLeak('zombies', 3);
  t.teardown(() => rootLeak.stop());
  const ex = await startExporter(['--sample.interval=100ms', '--zombies.top-parents=1000'], { wrapper: AS_NOBODY });
  t.teardown(() => ex.stop());
  const series = await scrapeWhen(ex, (text) => text.includes(`parent_pid="${rootLeak.parentPid}"`));
  t.equal(
    valueOf(series, 'proctable_zombies_by_parent', { parent_pid: String(rootLeak.parentPid) }),
    3,
    "root's zombies are seen and counted",
  );
  t.equal(find(series, 'proctable_init_info').length, 1, "PID 1's stat is readable by everyone");
  t.equal(
    valueOf(series, 'zombie_exporter_skipped_pids_total', { reason: 'permission' }),
    0,
    'no stat file is refused',
  );

  const status = statusOf(exporterPid(ex));
  t.match(status.Uid, /^65534\s+65534\s+65534\s+65534$/, 'runs as nobody');
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'])
    t.equal(status[set], '0000000000000000', `${set} empty`);
  t.equal(status.NoNewPrivs, '1');

  const snapshot = (await (await fetch(`${ex.url}/api/v1/snapshot`)).json()) as {
    parents: { pid: number; user: string | null; cgroup: string | null }[];
  };
  const parent = snapshot.parents.find((p) => p.pid === rootLeak.parentPid);
  t.equal(
    parent?.user,
    'root',
    "the owner is named from this machine's /etc/passwd (PID 1's root link needs ptrace access)",
  );
  t.ok(parent?.cgroup, 'and its cgroup read from /proc/PID/cgroup');
  t.equal((await fetch(`${ex.url}/healthz`)).status, 200);
});

t.test(
  'as nobody on a procfs mounted with hidepid=2: only its own processes, PID 1 hidden, and that is no error',
  { skip },
  async (t) => {
    const rootLeak = await startLeak('zombies', 3);
    t.teardown(() => rootLeak.stop());
    const ownLeak = await startLeak('zombies', 2, ['setpriv', ...NOBODY]);
    t.teardown(() => ownLeak.stop());
    const mountpoint = mkdtempSync(join(tmpdir(), 'ze-hidepid-'));
    // The mount lives in the exporter's own mount namespace and goes with it; the empty folder is removed after.
    t.teardown(() => rmdirSync(mountpoint));
    const ex = await startExporter(
      [`--path.procfs=${mountpoint}`, '--sample.interval=100ms', '--zombies.top-parents=1000'],
      {
        wrapper: [
          'unshare',
          '--mount',
          '--propagation',
          'private',
          '--fork',
          'sh',
          '-c',
          `mount -t proc -o hidepid=2 proc "$0" && exec ${AS_NOBODY.join(' ')} "$@"`,
          mountpoint,
        ],
      },
    );
    t.teardown(() => ex.stop());
    const series = await scrapeWhen(ex, (text) => text.includes(`parent_pid="${ownLeak.parentPid}"`));
    t.equal(
      valueOf(series, 'proctable_zombies_by_parent', { parent_pid: String(ownLeak.parentPid) }),
      2,
      "nobody's own zombies are seen",
    );
    t.equal(
      find(series, 'proctable_zombies_by_parent', { parent_pid: String(rootLeak.parentPid) }).length,
      0,
      "root's are hidden",
    );
    t.equal(find(series, 'proctable_init_info').length, 0, 'PID 1 is hidden: no comm, no CPU');
    t.equal(find(series, 'proctable_init_sigchld').length, 0, 'nor its SIGCHLD disposition');
    t.equal(
      valueOf(series, 'zombie_exporter_sample_errors_total', { source: 'init' }),
      0,
      'a hidden PID 1 is a view, not a failure',
    );
    const visible = valueOf(series, 'proctable_visible_tasks')!;
    const inUse = valueOf(series, 'proctable_pids_in_use')!;
    t.ok(visible < inUse / 2, `visible tasks ${visible} far below PIDs in use ${inUse}: loadavg still counts the host`);
    t.equal(
      valueOf(series, 'zombie_exporter_skipped_pids_total', { reason: 'permission' }),
      0,
      'hidden pids are not listed, so not skipped',
    );
    const health = await fetch(`${ex.url}/healthz`);
    t.equal(health.status, 200);
    t.match(statusOf(exporterPid(ex)).CapEff, '0000000000000000');
    t.notOk(readFileSync('/proc/mounts', 'utf8').includes(mountpoint), 'the mount is not in the host namespace');
  },
);

t.test('as nobody on a tree with an unreadable stat: a real EACCES, skipped as permission', { skip }, async (t) => {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  chmodSync(tree.dir, 0o755);
  chmodSync(`${tree.dir}/500/stat`, 0o000);
  const ex = await startExporter([`--path.procfs=${tree.dir}`, '--sample.interval=100ms'], { wrapper: AS_NOBODY });
  t.teardown(() => ex.stop());
  const body = await waitFor('a sample', async () => {
    const res = await fetch(`${ex.url}/healthz`);
    return (
      res.status === 200 &&
      ((await res.json()) as { skipped: Record<string, number>; skipDetails: { pid: number; detail: string }[] })
    );
  });
  t.same(body.skipped, { vanished: 1, permission: 1, malformed: 3, io_error: 0, not_regular: 1, not_a_pid: 1 });
  t.ok(
    body.skipDetails.some((d) => d.pid === 500 && d.detail === 'EACCES'),
    'pid 500: EACCES, from the kernel',
  );
});
