// Real pids cgroups as root: a process forks past its cgroup's limit and the built exporter, over real HTTP, counts
// the refused forks (checked against pids.events read directly), exports the cgroup through the refused-forks set
// when it is not among the closest to their limit, and puts the cgroup's zombies under that cgroup.

import { writeFileSync } from 'node:fs';
import t from 'tap';
import { makeCgroup, pidsHierarchyRoot, startForker, type TestCgroup } from '../helpers/cgroups.js';
import { find, parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { startExporter, type Exporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const root = pidsHierarchyRoot();
if ('skip' in root && process.env.CI) throw new Error(`the real cgroup test must run under CI: ${root.skip}`);

async function scrape(ex: Exporter): Promise<Series[]> {
  const res = await fetch(`${ex.url}/metrics`);
  if (res.status !== 200) throw new Error(`scrape: ${res.status}`);
  return parseExposition(await res.text());
}

/** Resolves once the exporter has published two samples more than it had: one fully after whatever happened. */
async function twoSamplesLater(ex: Exporter): Promise<Series[]> {
  // Right after start the first sample may not be published yet (503): wait for it rather than fail.
  await waitFor('a first sample', async () => (await fetch(`${ex.url}/metrics`)).status === 200);
  const before = valueOf(await scrape(ex), 'zombie_exporter_samples_total') ?? 0;
  return waitFor('two more samples', async () => {
    const s = await scrape(ex);
    return valueOf(s, 'zombie_exporter_samples_total')! >= before + 2 && s;
  });
}

const name = (suffix: string): string => `ze-test-${process.pid}-${suffix}`;

t.test(
  'forks refused by a cgroup limit are counted, and the cgroup is exported because of them',
  { skip: 'skip' in root && root.skip },
  async (t) => {
    if (!('dir' in root)) return;
    // --cgroups.top=1: `full` (1 task at a limit of 1) is the closest to its limit, so `busy` is exported only once
    // its limit refuses a fork.
    const ex = await startExporter(['--sample.interval=100ms', '--cgroups.top=1', '--zombies.top-parents=1000']);
    t.teardown(() => ex.stop());
    const cgroups: TestCgroup[] = [];
    t.teardown(async () => {
      for (const c of cgroups) await c.remove();
    });
    const busy = makeCgroup(root.dir, name('busy'), 8);
    cgroups.push(busy);
    const full = makeCgroup(root.dir, name('full'), 1);
    cgroups.push(full);
    const sleeper = await startForker(full, 0);
    t.teardown(() => sleeper.stop());
    const forker = await startForker(busy, 2);
    t.teardown(() => forker.stop());

    const before = await twoSamplesLater(ex);
    const rejectedBefore = valueOf(before, 'proctable_cgroup_pids_rejected_total', { cgroup: busy.path }) ?? 0;
    t.equal(busy.eventsMax(), 0, 'the kernel: no fork refused yet');
    t.equal(
      find(before, 'proctable_cgroup_pids', { cgroup: busy.path }).length,
      0,
      'not exported: neither closest to its limit nor refusing',
    );

    // 3 tasks (the forker and its 2 zombies) of 8: 5 forks start, the other 4 are refused.
    const first = await forker.fork(9);
    t.same(first, { started: 5, refused: 4 }, 'the limit refused the forks past 8 tasks');
    const kernel1 = busy.eventsMax();
    t.ok(kernel1 >= 4, `the kernel counted the refusals (pids.events max ${kernel1})`);
    const after = await waitFor('the exporter to count the refusals', async () => {
      const s = await scrape(ex);
      return valueOf(s, 'proctable_cgroup_pids_rejected_total', { cgroup: busy.path }) === kernel1 && s;
    });
    t.equal(
      valueOf(after, 'proctable_cgroup_pids', { cgroup: busy.path }),
      Number(busy.read('pids.current')),
      'pids == pids.current',
    );
    t.equal(
      valueOf(after, 'proctable_cgroup_pids', { cgroup: busy.path }),
      8,
      'at the limit: 1 + 2 zombies + 5 sleepers',
    );
    t.equal(valueOf(after, 'proctable_cgroup_pids_max', { cgroup: busy.path }), 8);

    const second = await forker.fork(3);
    t.same(second, { started: 0, refused: 3 });
    const kernel2 = busy.eventsMax();
    const later = await waitFor('the counter to grow again', async () => {
      const s = await scrape(ex);
      return valueOf(s, 'proctable_cgroup_pids_rejected_total', { cgroup: busy.path }) === kernel2 && s;
    });
    const rejectedAfter = valueOf(later, 'proctable_cgroup_pids_rejected_total', { cgroup: busy.path })!;
    t.ok(rejectedAfter > kernel1, 'it increases with every refusal');

    // A higher limit takes `busy` far from it: `full` is the closest again, and `busy` stays for its refusals.
    writeFileSync(`${busy.dir}/pids.max`, '100');
    const relaxed = await waitFor('the new limit to show', async () => {
      const s = await scrape(ex);
      return valueOf(s, 'proctable_cgroup_pids_max', { cgroup: busy.path }) === 100 && s;
    });
    t.equal(valueOf(relaxed, 'proctable_cgroup_pids', { cgroup: full.path }), 1, 'the closest to its limit');
    t.equal(
      valueOf(relaxed, 'proctable_cgroup_pids_rejected_total', { cgroup: busy.path }),
      kernel2,
      'still exported: it refused forks',
    );
    t.comment(
      `${busy.path}: proctable_cgroup_pids_rejected_total ${rejectedBefore} before, ${kernel1} after 9 forks, ${rejectedAfter} after 3 more (pids.events max: ${kernel2})`,
    );
  },
);

t.test(
  "zombies count toward their parent's cgroup, and the parent names it",
  { skip: 'skip' in root && root.skip },
  async (t) => {
    if (!('dir' in root)) return;
    const ex = await startExporter(['--sample.interval=100ms', '--cgroups.top=1000', '--zombies.top-parents=1000']);
    t.teardown(() => ex.stop());
    const cgroup = makeCgroup(root.dir, name('zombies'), 100);
    t.teardown(() => cgroup.remove());
    const forker = await startForker(cgroup, 3);
    t.teardown(() => forker.stop());

    const s = await waitFor('the exporter to see the zombies', async () => {
      const x = await scrape(ex);
      return valueOf(x, 'proctable_zombies_by_cgroup', { cgroup: cgroup.path }) === 3 && x;
    });
    t.same(
      find(s, 'proctable_zombie_parent_info', { parent_pid: String(forker.pid) }).map((x) => x.labels),
      [
        {
          parent_pid: String(forker.pid),
          parent_comm: 'python3',
          cgroup: cgroup.path,
          container_id: '',
          pod_uid: '',
          systemd_unit: '',
          namespace_init: 'false',
        },
      ],
    );
    t.equal(
      find(s, 'proctable_zombies_by_cgroup').reduce((n, x) => n + x.value, 0),
      valueOf(s, 'proctable_zombies'),
      'sum(by_cgroup) == zombies',
    );
    // Zombies hold PIDs: the cgroup's count includes them (the forker and its 3 zombies).
    t.equal(valueOf(s, 'proctable_cgroup_pids', { cgroup: cgroup.path }), 4);
    t.equal(Number(cgroup.read('pids.current')), 4, 'the kernel agrees');
  },
);
