// Zombies per cgroup (their parent's), and the pieces that name the cgroup: the per-parent cache, the resolution of
// namespace-relative paths, and the label cap.

import t from 'tap';
import { CGROUP_LABEL_MAX, cgroupLabel } from '../../src/metrics/cgroup-label.js';
import { CgroupPathResolver } from '../../src/sample/resolve-cgroup-path.js';
import { UNKNOWN_CGROUP, zombiesByCgroup } from '../../src/sample/zombies-by-cgroup.js';

t.test('top N cgroups by zombies, the rest in other, unknown parents under ""; sums to the total', async (t) => {
  const parents = [
    { pid: 1, zombies: 2 },
    { pid: 10, zombies: 5 },
    { pid: 11, zombies: 1 },
    { pid: 20, zombies: 3 },
    { pid: 30, zombies: 4 },
  ];
  const cgroup: Record<number, string | null> = {
    1: '/init.scope',
    10: '/a.service',
    11: '/a.service',
    20: '/b.service',
    30: null,
  };
  const two = zombiesByCgroup(parents, (pid) => cgroup[pid] ?? null, 2);
  t.same(two.top, [
    { cgroup: '/a.service', zombies: 6 },
    { cgroup: UNKNOWN_CGROUP, zombies: 4 },
  ]);
  t.equal(two.other, 5);
  const all = zombiesByCgroup(parents, (pid) => cgroup[pid] ?? null, 100);
  t.equal(all.top.reduce((n, c) => n + c.zombies, 0) + all.other, 15, 'sums to the total');
  t.equal(all.top.length, 4);
  let asked = 0;
  t.same(
    zombiesByCgroup(parents, () => (asked++, null), 0),
    { top: [], other: 15 },
    'N=0: no series, no reads',
  );
  t.equal(asked, 0);
  const tie = zombiesByCgroup(
    [
      { pid: 1, zombies: 1 },
      { pid: 2, zombies: 1 },
    ],
    (pid) => (pid === 1 ? '/z' : '/a'),
    1,
  );
  t.same(tie.top, [{ cgroup: '/a', zombies: 1 }], 'ties by path, for a stable series set');
});

t.test('namespace-relative paths resolve against the walked cgroups when exactly one matches', async (t) => {
  const walked = [
    '/kubepods.slice',
    '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podA.slice/cri-containerd-1.scope',
    '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podB.slice/cri-containerd-2.scope',
    '/x/dup.scope',
    '/y/dup.scope',
  ];
  const r = new CgroupPathResolver(walked);
  t.equal(r.resolve('/../../kubepods-burstable-podB.slice/cri-containerd-2.scope'), walked[2]);
  t.equal(r.resolve('/system.slice/a.service'), '/system.slice/a.service', 'absolute paths unchanged');
  t.equal(r.resolve('/../dup.scope'), '/../dup.scope', 'ambiguous: left as the kernel wrote it');
  t.equal(r.resolve('/../../..'), '/../../..', 'an ancestor of the namespace root has no name to match');
  t.equal(r.resolve('/../nowhere.scope'), '/../nowhere.scope');
});

t.test('labels: paths as written, capped at 256 keeping the tail', async (t) => {
  const k8s =
    '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poddd1bf9d1_241d_47f5_8e25_12de83135812.slice/cri-containerd-f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830.scope';
  t.equal(cgroupLabel(k8s), k8s, `the longest common shape (${k8s.length}) fits whole`);
  const long = `/${'a'.repeat(300)}/leaf.scope`;
  const label = cgroupLabel(long);
  t.equal(label.length, CGROUP_LABEL_MAX);
  t.ok(label.startsWith('...') && label.endsWith('/leaf.scope'));
  const emoji = `/${'😀'.repeat(200)}`; // surrogate pairs: the cut must not split one
  const cut = cgroupLabel(emoji);
  t.ok(cut.length <= CGROUP_LABEL_MAX);
  t.notMatch(cut.slice(3), /^[\uDC00-\uDFFF]/, 'no lone low surrogate after the ellipsis');
  t.equal(Buffer.from(cut, 'utf8').toString('utf8'), cut, 'valid UTF-8 round trip');
});
