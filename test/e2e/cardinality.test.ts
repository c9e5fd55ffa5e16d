// Cardinality under attack: 10,000 parents with one zombie each (a generated proc tree), and a real unprivileged
// user forking a crowd of parents named like other programs, each with a zombie. The series count stays at its bound.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import t, { type Test } from 'tap';
import { parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { copyTree, FIXTURES } from '../helpers/fixtures.js';
import { startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The bound: --zombies.top-parents N gives N parents, PID 1 and "other" in each of the four per-parent families
 * (count, oldest, held, newest), the N parents in oldest_started, at most N programs and "other" in zombies by
 * parent comm, and every other non-cgroup family is fixed (8 always-present states, 2 CPU modes, 1 PID 1 comm, 1
 * SIGCHLD disposition of this tree's PID 1, 1 PID limit, 14 unlabelled), whatever the host holds. The cgroup families depend on the host's cgroups (the default --path.sysfs), so they are held to their caps:
 * parent info at most N + 1 (the top parents and PID 1), zombies by cgroup at most --cgroups.top + 1, and each of
 * the four pids families at most 2 x --cgroups.top (closest to the limit, plus those that refused forks).
 */
const FIXED_PROCTABLE_SERIES = 14 + 8 + 2 + 1 + 1 + 1;
const PER_PARENT_FAMILIES = [
  'proctable_zombies_by_parent',
  'proctable_zombie_parent_oldest_age_seconds',
  'proctable_zombie_parent_held_seconds',
  'proctable_zombie_parent_newest_age_seconds',
];
const CGROUPS_TOP = 20;
const CGROUP_FAMILIES = [
  'proctable_cgroup_pids',
  'proctable_cgroup_pids_max',
  'proctable_cgroup_pids_peak',
  'proctable_cgroup_pids_rejected_total',
];
/** `programs`: the distinct parent comms among the zombies' parents. */
const bound = (topParents: number, programs = Infinity) => ({
  perParentFamily: topParents + 2,
  proctable:
    PER_PARENT_FAMILIES.length * (topParents + 2) +
    topParents +
    Math.min(programs, topParents) +
    1 +
    FIXED_PROCTABLE_SERIES,
  parentInfo: topParents + 1,
  zombiesByCgroup: CGROUPS_TOP + 1,
  cgroupFamily: 2 * CGROUPS_TOP,
});

function count(series: Series[]) {
  const cgroupDerived = new Set(['proctable_zombie_parent_info', 'proctable_zombies_by_cgroup', ...CGROUP_FAMILIES]);
  return {
    perParentFamily: series.filter((s) => s.name === 'proctable_zombies_by_parent').length,
    oldestAge: series.filter((s) => s.name === 'proctable_zombie_parent_oldest_age_seconds').length,
    perParentMax: Math.max(...PER_PARENT_FAMILIES.map((f) => series.filter((s) => s.name === f).length)),
    proctable: series.filter((s) => s.name.startsWith('proctable_') && !cgroupDerived.has(s.name)).length,
    parentInfo: series.filter((s) => s.name === 'proctable_zombie_parent_info').length,
    zombiesByCgroup: series.filter((s) => s.name === 'proctable_zombies_by_cgroup').length,
    cgroupFamilyMax: Math.max(...CGROUP_FAMILIES.map((f) => series.filter((s) => s.name === f).length)),
  };
}

/** The cgroup-derived families within their caps, whatever cgroups this host has. */
function checkCgroupBounds(t: Test, n: ReturnType<typeof count>, topParents: number): void {
  const b = bound(topParents);
  t.ok(
    n.parentInfo >= 1 && n.parentInfo <= b.parentInfo,
    `parent info: ${n.parentInfo} series, at most ${b.parentInfo}`,
  );
  t.ok(
    n.zombiesByCgroup >= 1 && n.zombiesByCgroup <= b.zombiesByCgroup,
    `zombies by cgroup: ${n.zombiesByCgroup} series, at most ${b.zombiesByCgroup}`,
  );
  t.ok(
    n.cgroupFamilyMax <= b.cgroupFamily,
    `cgroup pids families: at most ${n.cgroupFamilyMax} series each, cap ${b.cgroupFamily}`,
  );
}

const stat = (pid: number, comm: string, state: string, ppid: number) =>
  `${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} 0 -1 4194560 0 0 0 0 1 1 0 0 20 0 1 0 ${1000 + pid}${' 0'.repeat(30)}\n`;

t.test('10,000 parents, one zombie each: the series stay at the bound', async (t) => {
  const tree = copyTree(`${FIXTURES}/proc/zombies`);
  t.teardown(tree.remove);
  // Keep the fixture's host files and PID 1; replace its zombies and their parents with the crowd.
  for (const name of ['100', '101', '102', '103', '104', '200', '201', '202', '300', '301', '401', '402', '500']) {
    rmSync(`${tree.dir}/${name}`, { recursive: true, force: true });
  }
  const names = ['sshd', 'systemd', 'bash', 'sleep', '"\n{}\\', 'a) Z 1 (b', 'kworker/0:1', 'zombie-exporter'];
  for (let i = 0; i < 10_000; i++) {
    const parent = 10_000 + i;
    const zombie = 30_000 + i;
    mkdirSync(`${tree.dir}/${parent}`);
    writeFileSync(`${tree.dir}/${parent}/stat`, stat(parent, names[i % names.length]!, 'S', 1));
    mkdirSync(`${tree.dir}/${zombie}`);
    writeFileSync(`${tree.dir}/${zombie}/stat`, stat(zombie, names[(i + 3) % names.length]!, 'Z', parent));
  }
  for (const topParents of [10, 1000]) {
    const ex = await startExporter([
      `--path.procfs=${tree.dir}`,
      `--zombies.top-parents=${topParents}`,
      '--sample.interval=1h',
    ]);
    t.teardown(() => ex.stop());
    const text = await waitFor('the first sample', async () => {
      const res = await fetch(`${ex.url}/metrics`);
      return res.status === 200 && res.text();
    });
    const series = parseExposition(text);
    t.equal(valueOf(series, 'proctable_zombies'), 10_000);
    t.equal(valueOf(series, 'proctable_zombie_parents'), 10_000);
    const n = count(series);
    t.equal(n.perParentFamily, bound(topParents).perParentFamily, `top-parents=${topParents}: by_parent at its bound`);
    t.equal(n.oldestAge, bound(topParents).perParentFamily);
    t.equal(n.perParentMax, bound(topParents).perParentFamily, 'no per-parent family past it');
    t.equal(
      n.proctable,
      bound(topParents, names.length).proctable,
      `top-parents=${topParents}: every proctable_ series counted`,
    );
    checkCgroupBounds(t, n, topParents);
    const other = valueOf(series, 'proctable_zombies_by_parent', { parent_pid: 'other' })!;
    t.equal(other, 10_000 - topParents, 'the rest sum into other');
    t.equal(
      series.filter((s) => s.name === 'proctable_zombies_by_parent').reduce((a, s) => a + s.value, 0),
      10_000,
      'and all sum to the total',
    );
    await ex.stop();
  }
});

/** Room for `tasks` more PIDs without pushing the host near its limit (other work shares it). */
function pidRoom(tasks: number): true | string {
  const inUse = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]!.split('/')[1]);
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  return inUse + tasks < max / 2 ? true : `${inUse} PIDs in use of ${max}: no room for ${tasks} more`;
}

const CROWD = 1500;
const canCrowd = (): true | string => {
  if (process.getuid?.() !== 0) return 'needs root to make a PID namespace and drop to nobody';
  if (spawnSync('sh', ['-c', 'command -v unshare && command -v python3'], { stdio: 'ignore' }).status !== 0)
    return 'needs unshare and python3';
  return pidRoom(2 * CROWD + 10);
};
const crowdReady = canCrowd();
if (crowdReady !== true && process.env.CI && !crowdReady.includes('PIDs in use'))
  throw new Error(`the crowd test must run under CI: ${crowdReady}`);

t.test(
  `a local user forks ${CROWD} parents named like other programs, each with a zombie`,
  { skip: crowdReady === true ? false : crowdReady },
  async (t) => {
    // A PID namespace, so the exporter sees the crowd and nothing else on this busy machine; the parents run as nobody.
    const child = spawn(
      'unshare',
      [
        '--pid',
        '--fork',
        '--mount-proc',
        '--kill-child',
        'python3',
        `${FIXTURES}/bin/crowd.py`,
        String(CROWD),
        '65534',
        '65534',
      ],
      {
        detached: true,
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const exited = once(child, 'exit');
    t.teardown(async () => {
      child.stdin.end();
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      await exited;
    });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    t.equal(line, `ready ${CROWD}`);
    // The namespace's PID 1 is unshare's child; its /proc mount is reachable from here through /proc/PID/root.
    const init = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
    const procfs = `/proc/${init}/root/proc`;
    const pids = readdirSync(procfs).filter((n) => /^\d+$/.test(n) && n !== '1');
    const owners = new Set(
      pids.map((pid) => /^Uid:\s+(\d+)/m.exec(readFileSync(`${procfs}/${pid}/status`, 'utf8'))?.[1]),
    );
    t.same([...owners], ['65534'], `all ${pids.length} processes but PID 1 run as nobody`);

    const ex = await startExporter([`--path.procfs=${procfs}`, '--zombies.top-parents=10', '--sample.interval=1h']);
    t.teardown(() => ex.stop());
    const text = await waitFor('the first sample', async () => {
      const res = await fetch(`${ex.url}/metrics`);
      return res.status === 200 && res.text();
    });
    const series = parseExposition(text);
    t.equal(valueOf(series, 'proctable_zombies'), CROWD, 'every zombie counted');
    t.equal(valueOf(series, 'proctable_zombie_parents'), CROWD);
    const n = count(series);
    t.equal(n.perParentFamily, bound(10).perParentFamily, 'by_parent: 10 parents, PID 1 and other');
    t.equal(n.oldestAge, bound(10).perParentFamily);
    t.equal(n.perParentMax, bound(10).perParentFamily, 'no per-parent family past it');
    t.equal(n.proctable, bound(10).proctable, 'every proctable_ series counted: the crowd added none');
    checkCgroupBounds(t, n, 10);
    t.equal(valueOf(series, 'proctable_zombies_by_parent', { parent_pid: 'other' }), CROWD - 10);
    t.equal(valueOf(series, 'proctable_zombies_by_parent', { parent_pid: '1' }), 0, 'PID 1 is there, with none');
    const comms = new Set(
      series.filter((s) => s.name === 'proctable_zombies_by_parent').map((s) => s.labels.parent_comm),
    );
    t.ok(
      [...comms].every(
        (c) =>
          c === '' ||
          c === 'python3' ||
          /^(sshd|systemd|node|sleep|kworker\/0:1|zombie-exporter|bash|"\n\{\}\\|cron)$/.test(c!),
      ),
      'comms as the processes named themselves',
    );
  },
);
