// PID usage in the right frame, as root: the built exporter inside a PID namespace of its own (as an exporter in a
// container's PID namespace runs) counts that namespace's tasks, not /proc/loadavg's host-wide total, against the
// namespace's own pid_max (set to 400 here), and against its cgroup's pids.max when that is tighter.

import t from 'tap';
import { makeCgroup, pidsHierarchyRoot } from '../helpers/cgroups.js';
import { parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const root = pidsHierarchyRoot();
if ('skip' in root && process.env.CI) throw new Error(`the PID namespace test must run under CI: ${root.skip}`);

/** Runs the exporter as PID 1 of a new PID namespace whose pid_max is 400, in `cgroupDir` when given. */
const inNamespace = (cgroupDir?: string): string[] => [
  'sh',
  '-c',
  `${cgroupDir ? `echo $$ > ${cgroupDir}/cgroup.procs && ` : ''}exec unshare --pid --fork --mount-proc sh -c 'echo 400 > /proc/sys/kernel/pid_max && exec "$@"' sh "$@"`,
  'sh',
];

async function firstSample(url: string): Promise<Series[]> {
  return waitFor('a sample', async () => {
    const res = await fetch(`${url}/metrics`);
    return res.status === 200 && parseExposition(await res.text());
  });
}

t.test(
  'in a PID namespace: its own tasks against its own pid_max of 400',
  { skip: 'skip' in root && root.skip },
  async (t) => {
    const ex = await startExporter(['--sample.interval=200ms'], { wrapper: inNamespace() });
    t.teardown(() => ex.stop());
    const s = await firstSample(ex.url);
    t.equal(
      valueOf(s, 'zombie_exporter_procfs_info', { hidepid: 'off', pid_namespace: 'container' }),
      1,
      'it knows it sees a namespace',
    );
    t.equal(valueOf(s, 'proctable_pid_max'), 400, "the namespace's pid_max, as read inside it");
    t.equal(valueOf(s, 'proctable_pid_limit', { limited_by: 'pid_max' }), 400);
    const inUse = valueOf(s, 'proctable_pids_in_use')!;
    const visible = valueOf(s, 'proctable_visible_tasks')!;
    const kernel = valueOf(s, 'proctable_kernel_tasks')!;
    t.equal(inUse, visible, "the namespace's tasks, as its walk sees them");
    t.ok(inUse > 3 && inUse < 100, `a handful: the exporter and its threads (${inUse})`);
    t.ok(kernel > inUse + 20, `loadavg counts the whole host (${kernel}), which would make usage meaningless here`);
  },
);

t.test(
  "in a PID namespace in a pids cgroup: the cgroup's room is the tighter limit",
  { skip: 'skip' in root && root.skip },
  async (t) => {
    if (!('dir' in root)) return;
    const cgroup = makeCgroup(root.dir, `ze-test-${process.pid}-frame`, 60);
    const ex = await startExporter(['--sample.interval=200ms'], { wrapper: inNamespace(cgroup.dir) });
    t.teardown(async () => {
      await ex.stop();
      await cgroup.remove();
    });
    const s = await firstSample(ex.url);
    const inUse = valueOf(s, 'proctable_pids_in_use')!;
    const current = Number(cgroup.read('pids.current'));
    // The cgroup holds only the namespace: its tasks and the cgroup's count agree within a thread starting or ending.
    t.ok(Math.abs(current - inUse) <= 2, `pids.current ${current}, namespace tasks ${inUse}`);
    const limit = valueOf(s, 'proctable_pid_limit', { limited_by: 'pids_max' })!;
    t.ok(Math.abs(limit - 60) <= 2, `limited by pids.max: its tasks plus the room left under 60 (${limit})`);
  },
);
