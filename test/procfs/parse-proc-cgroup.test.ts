import t from 'tap';
import { parseCgroup, primaryCgroupPath, type CgroupEntry } from '../../src/procfs/parse-proc-cgroup.js';

const entries = (text: string): CgroupEntry[] => {
  const r = parseCgroup(text);
  if (!r.ok) throw new Error(r.failure);
  return r.value;
};

t.test('v2: one unified line', async (t) => {
  t.same(entries('0::/system.slice/nginx.service\n'), [
    { hierarchyId: 0, controllers: [], path: '/system.slice/nginx.service' },
  ]);
  t.equal(primaryCgroupPath(entries('0::/system.slice/nginx.service\n')), '/system.slice/nginx.service');
  t.equal(primaryCgroupPath(entries('0::/\n')), '/');
});

t.test('v1 and hybrid: the pids controller, then name=systemd, then the unified line', async (t) => {
  // As this project's CI machine prints it: v1 controllers plus systemd's unified line.
  const hybrid = '9:name=systemd:/\n8:pids:/docker/abc\n4:memory:/process_api/306ed\n2:cpuacct:/\n1:cpu:/\n0::/\n';
  t.same(entries(hybrid)[1], { hierarchyId: 8, controllers: ['pids'], path: '/docker/abc' });
  t.equal(primaryCgroupPath(entries(hybrid)), '/docker/abc');
  t.equal(primaryCgroupPath(entries('3:cpu,cpuacct:/a\n1:name=systemd:/user.slice\n0::/x\n')), '/user.slice');
  t.equal(primaryCgroupPath(entries('3:cpu,cpuacct:/a\n0::/x\n')), '/x');
  t.equal(
    primaryCgroupPath(entries('3:cpu,cpuacct:/a\n2:memory:/b\n')),
    '/a',
    'no pids, systemd or unified line: the first',
  );
  t.same(entries('3:cpu,cpuacct:/a\n')[0]!.controllers, ['cpu', 'cpuacct']);
});

t.test('a path may hold colons; malformed text is a failure, never a throw', async (t) => {
  t.equal(primaryCgroupPath(entries('0::/kubepods/pod1:2:3/ctr\n')), '/kubepods/pod1:2:3/ctr');
  t.same(parseCgroup(''), { ok: false, failure: 'empty' });
  t.same(parseCgroup('garbage\n'), { ok: false, failure: 'not a cgroup line' });
  t.same(parseCgroup('99999999999999999999::/\n'), { ok: false, failure: 'number out of range' });
  t.equal(primaryCgroupPath([]), null);
});
