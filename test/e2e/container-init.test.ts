// The seed's incident in a container, time-compressed, as root: a pids cgroup with a small limit, a PID namespace
// whose PID 1 is `sleep` (it never reaps), a process in it orphaning children to that PID 1 until forks fail. The
// built exporter runs in the host's view, as the DaemonSet does, and over HTTP must name the container's init as
// such, date its zombies from the kernel, count the refused forks, and advise what works.

import t from 'tap';
import { pidsHierarchyRoot, makeCgroup } from '../helpers/cgroups.js';
import { startContainer } from '../helpers/containers.js';
import { find, parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { runCli, startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const root = pidsHierarchyRoot();
if ('skip' in root && process.env.CI) throw new Error(`the container incident must run under CI: ${root.skip}`);

t.test(
  "a container's init that never reaps, until its pids.max refuses forks, seen from the host",
  { skip: 'skip' in root && root.skip },
  async (t) => {
    if (!('dir' in root)) return;
    const cgroup = makeCgroup(root.dir, `ze-test-${process.pid}-ns`, 40);
    const ex = await startExporter(['--sample.interval=200ms', '--cgroups.top=5', '--zombies.top-parents=3']);
    t.teardown(() => ex.stop());
    const box = await startContainer('sleep', 0.05, { cgroup });
    t.teardown(async () => {
      await box.stop();
      await cgroup.remove();
    });
    const started = Date.now();
    await waitFor('the cgroup to refuse a fork', () => cgroup.eventsMax() > 0, 30_000);
    const refusedAfter = (Date.now() - started) / 1000;
    t.comment(
      `forks refused ${refusedAfter.toFixed(1)} s into the leak, at pids.current ${cgroup.read('pids.current').trim()} of 40`,
    );

    const pid = String(box.initPid);
    const series: Series[] = await waitFor('the exporter to count the refusals', async () => {
      const s = parseExposition(await (await fetch(`${ex.url}/metrics`)).text());
      return (valueOf(s, 'proctable_cgroup_pids_rejected_total', { cgroup: cgroup.path }) ?? 0) > 0 && s;
    });
    const zombies = valueOf(series, 'proctable_zombies_by_parent', { parent_pid: pid })!;
    t.ok(zombies > 20, `its zombies have their own series (${zombies})`);
    t.same(
      find(series, 'proctable_zombie_parent_info', { parent_pid: pid }).map((x) => [
        x.labels.namespace_init,
        x.labels.cgroup,
        x.labels.parent_comm,
      ]),
      [['true', cgroup.path, 'python3']],
      "marked as a namespace's init, in its container's cgroup",
    );
    const held = valueOf(series, 'proctable_zombie_parent_held_seconds', { parent_pid: pid })!;
    const age = valueOf(series, 'proctable_zombie_parent_oldest_age_seconds', { parent_pid: pid })!;
    const elapsed = (Date.now() - started) / 1000;
    t.ok(
      held > 0 && held <= elapsed + 1,
      `held ${held.toFixed(2)} s, within the ${elapsed.toFixed(1)} s the leak has run`,
    );
    t.ok(age >= held - 0.05, `its oldest zombie's age ${age.toFixed(2)} s is at least how long it has held one`);
    // From the exit events in event mode (this host's default), from the scheduler's record in a walk.
    t.ok(
      valueOf(series, 'zombie_exporter_zombie_exit_times_total', { source: 'event' })! +
        valueOf(series, 'zombie_exporter_zombie_exit_times_total', { source: 'sched' })! >
        20,
      "exit times from the kernel's record",
    );
    t.equal(valueOf(series, 'proctable_cgroup_pids_max', { cgroup: cgroup.path }), 40);
    t.ok(valueOf(series, 'proctable_cgroup_pids', { cgroup: cgroup.path })! >= 39, 'the cgroup is at its limit');

    const inspect = await runCli(['inspect', '--json', '--zombies.top-parents=3']);
    const snap = JSON.parse(inspect.stdout) as {
      parents: {
        pid: number;
        namespaceInit: boolean;
        nextCommand: string | null;
        nextStep: string;
        cgroup: string | null;
      }[];
    };
    const p = snap.parents.find((x) => x.pid === box.initPid)!;
    t.same(
      [p.namespaceInit, p.nextCommand, p.cgroup],
      [true, null, cgroup.path],
      'inspect: a container init, and no kill -TERM',
    );
    t.match(p.nextStep, `\`kill -TERM ${pid}\` does nothing`);
    t.match(p.nextStep, 'run it with an init that reaps');
    const table = await runCli(['inspect', '--zombies.top-parents=3']);
    t.match(table.stdout, new RegExp(`^\\s*${pid}  python3 \\[container init\\]`, 'm'));
  },
);

t.test(
  'inits that reap are never counted as holding zombies that stay',
  { skip: 'skip' in root && root.skip },
  async (t) => {
    const ex = await startExporter(['--sample.interval=200ms', '--zombies.top-parents=1000']);
    t.teardown(() => ex.stop());
    // A wait() loop with SIGCHLD at its default, and a tini-style init (SIGCHLD blocked, sigtimedwait): both reap.
    const boxes = await Promise.all([startContainer('waitloop', 0.05), startContainer('tini', 0.05)]);
    t.teardown(async () => {
      for (const b of boxes) await b.stop();
    });
    await waitFor('a first sample', async () => (await fetch(`${ex.url}/metrics`)).status === 200);
    // Fifty orphans each, about 2.5 s: long enough for any zombie that stays to be seen holding on.
    const deadline = Date.now() + 2500;
    let worstHeld = 0;
    while (Date.now() < deadline) {
      const s = parseExposition(await (await fetch(`${ex.url}/metrics`)).text());
      for (const b of boxes)
        worstHeld = Math.max(
          worstHeld,
          valueOf(s, 'proctable_zombie_parent_held_seconds', { parent_pid: String(b.initPid) }) ?? 0,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    t.ok(worstHeld < 1, `no zombie held by either init for long (worst ${worstHeld.toFixed(2)} s)`);
  },
);
