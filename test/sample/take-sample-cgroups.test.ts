// The collector with a sysfs root: cgroup pressure in the Sample, zombies per cgroup summing to the total, and the
// top parents' containers, pods and units, including a parent seen through another cgroup namespace.

import { copyFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { createSysfsReader } from '../../src/sysfs/reader.js';
import { copyTree, faultyReader, FIXTURES, ZOMBIE_TREE } from '../helpers/fixtures.js';

const V2 = `${FIXTURES}/sys/v2`;
const K8S =
  '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poddd1bf9d1_241d_47f5_8e25_12de83135812.slice/cri-containerd-f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830.scope';

function tree(t: Test): string {
  const proc = copyTree(ZOMBIE_TREE);
  t.teardown(proc.remove);
  copyFileSync(`${FIXTURES}/cgroup/docker-systemd-v2`, `${proc.dir}/100/cgroup`);
  copyFileSync(`${FIXTURES}/cgroup/kubepods-systemd-containerd-cgroupns-v2`, `${proc.dir}/200/cgroup`);
  return proc.dir;
}

t.test('parents named by their cgroups; zombies per cgroup; the pids hierarchy', async (t) => {
  const s = createSampleTaker({
    reader: createProcReader(tree(t)),
    topParents: 10,
    sysfs: createSysfsReader(V2),
    cgroupsTop: 20,
  }).take();
  const bash = s.topParents.find((p) => p.pid === 100)!;
  t.match(bash, {
    cgroup: '/system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope',
    containerId: '9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d',
    podUid: null,
    systemdUnit: 'docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope',
  });
  const app = s.topParents.find((p) => p.pid === 200)!;
  t.match(
    app,
    { cgroup: K8S, podUid: 'dd1bf9d1-241d-47f5-8e25-12de83135812' },
    'the /../.. path resolved against the walk',
  );
  t.match(
    s.topParents.find((p) => p.pid === 1),
    { cgroup: '/init.scope', containerId: null, systemdUnit: 'init.scope' },
  );
  t.same(
    s.zombiesByCgroup,
    [
      {
        cgroup: '/system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope',
        zombies: 4,
      },
      { cgroup: '/init.scope', zombies: 2 },
      { cgroup: K8S, zombies: 2 },
      { cgroup: '', zombies: 1 },
    ],
    "ties by path; 300 has no cgroup file: its zombie counts under ''",
  );
  t.equal(s.zombiesInOtherCgroups, 0);
  t.equal(
    s.zombiesByCgroup.reduce((n, c) => n + c.zombies, 0) + s.zombiesInOtherCgroups,
    s.zombies,
    'sums to the total',
  );
  t.equal(s.cgroupPids?.cgroups, 11);
  t.equal(s.cgroupPids?.selected[0]?.path, '/system.slice/fork-bomb.service');
  t.same(s.sourceErrors, []);
});

t.test('--cgroups.top=1: one cgroup by zombies, the rest in other', async (t) => {
  const s = createSampleTaker({
    reader: createProcReader(tree(t)),
    topParents: 10,
    sysfs: createSysfsReader(V2),
    cgroupsTop: 1,
  }).take();
  t.equal(s.zombiesByCgroup.length, 1);
  t.equal(s.zombiesInOtherCgroups, 5);
  t.equal(s.cgroupPids?.selected.length, 1);
});

t.test('--cgroups.top=0: no walk, no per-cgroup zombies; the parents are still named', async (t) => {
  const s = createSampleTaker({
    reader: createProcReader(tree(t)),
    topParents: 10,
    sysfs: createSysfsReader(V2),
    cgroupsTop: 0,
  }).take();
  t.equal(s.cgroupPids, null);
  t.same([s.zombiesByCgroup, s.zombiesInOtherCgroups], [[], 9]);
  t.equal(
    s.topParents.find((p) => p.pid === 200)?.podUid,
    'dd1bf9d1-241d-47f5-8e25-12de83135812',
    'not resolved without a walk, still recognised',
  );
  t.match(s.topParents.find((p) => p.pid === 200)?.cgroup, /^\/\.\.\/\.\.\//);
});

t.test('no pids hierarchy: a cgroups source error, and the sample still published', async (t) => {
  const dir = tree(t);
  const s = createSampleTaker({
    reader: createProcReader(dir),
    topParents: 10,
    sysfs: createSysfsReader('/nonexistent-sysfs'),
    cgroupsTop: 20,
  }).take();
  t.same(s.sourceErrors, [{ source: 'cgroups', message: 'list /nonexistent-sysfs/fs/cgroup: ENOENT' }]);
  t.same(s.cgroupPids?.selected, []);
  t.equal(s.zombies, 9);
  const hidden = createSampleTaker({
    reader: faultyReader(createProcReader(dir), { text: (rel) => (rel.endsWith('/cgroup') ? 'EACCES' : undefined) }),
    topParents: 10,
    cgroupsTop: 20,
  }).take();
  t.same(hidden.zombiesByCgroup, [{ cgroup: '', zombies: 9 }], 'no cgroup readable: every zombie under unknown');
});
