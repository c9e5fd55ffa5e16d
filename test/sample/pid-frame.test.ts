// The PID frame, as the kernel's numbers give it: each limit by hand, and what each missing host file leaves unknown.

import t from 'tap';
import { pidFrame, type PidFrameInput } from '../../src/sample/pid-frame.js';

const host: PidFrameInput = {
  pidNamespace: 'host',
  kernelTasks: 412,
  visibleTasks: 25,
  pidMax: 32768,
  threadsMax: 30000,
  frameCgroups: [],
};
// A container's view: the host runs 5,000 tasks, 40 of them in this namespace; its cgroup allows 100 and holds 40.
const ns: PidFrameInput = {
  pidNamespace: 'container',
  kernelTasks: 5000,
  visibleTasks: 40,
  pidMax: 4194304,
  threadsMax: 192731,
  frameCgroups: [{ path: '/docker/abc', current: 40, max: 100 }],
};

t.test('every file read: in use against the lowest limit', async (t) => {
  t.same(pidFrame(host), {
    pidFrame: 'host',
    pidsInUse: 412,
    frameCgroup: null,
    pidLimit: 30000,
    pidLimitedBy: 'threads_max',
    pidUsageUnknown: [],
  });
  t.same(pidFrame({ ...host, pidMax: 30000 }).pidLimitedBy, 'pid_max', 'a tie goes to pid_max');
  t.same(pidFrame(ns), {
    pidFrame: 'namespace',
    pidsInUse: 40,
    frameCgroup: { path: '/docker/abc', current: 40, headroom: 60 },
    pidLimit: 100,
    pidLimitedBy: 'pids_max',
    pidUsageUnknown: [],
  });
  // threads-max less the 4,960 tasks outside: 187771, under pid_max, with no cgroup limit.
  t.same(
    [pidFrame({ ...ns, frameCgroups: [] }).pidLimit, pidFrame({ ...ns, frameCgroups: [] }).pidLimitedBy],
    [187771, 'threads_max'],
  );
});

t.test('a missing file: PID usage unknown, naming it; only what needs it is null', async (t) => {
  // [frame input, pidsInUse, pidLimit, pidLimitedBy, unknown]
  const cases: [string, PidFrameInput, number | null, number | null, string | null, string[]][] = [
    ['host without loadavg', { ...host, kernelTasks: null }, null, 30000, 'threads_max', ['loadavg']],
    ['host without pid_max', { ...host, pidMax: null }, 412, null, null, ['pid_max']],
    ['host without threads-max', { ...host, threadsMax: null }, 412, null, null, ['threads_max']],
    [
      'host without any',
      { ...host, kernelTasks: null, pidMax: null, threadsMax: null },
      null,
      null,
      null,
      ['loadavg', 'pid_max', 'threads_max'],
    ],
    // In a namespace the tasks are the walk's, but threads-max's room needs the tasks outside (loadavg).
    ['namespace without loadavg', { ...ns, kernelTasks: null }, 40, null, null, ['loadavg']],
    ['namespace without pid_max', { ...ns, pidMax: null }, 40, null, null, ['pid_max']],
    ['namespace without threads-max', { ...ns, threadsMax: null }, 40, null, null, ['threads_max']],
  ];
  for (const [what, input, inUse, limit, limitedBy, unknown] of cases) {
    const f = pidFrame(input);
    t.same([f.pidsInUse, f.pidLimit, f.pidLimitedBy, f.pidUsageUnknown], [inUse, limit, limitedBy, unknown], what);
  }
  t.same(
    pidFrame({ ...ns, pidMax: null }).frameCgroup,
    { path: '/docker/abc', current: 40, headroom: 60 },
    "the cgroup's room is still read",
  );
});
