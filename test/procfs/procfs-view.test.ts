// The proc root's view: mountinfo's hidepid and which PID namespace it shows, from fixtures with faults injected,
// and from the real /proc (root and unprivileged alike see the host here).

import { mkdirSync, writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { hidepidOf, mountAt, parseMountInfo } from '../../src/procfs/parse-mountinfo.js';
import { isKernelThreadStat, parsePidNsLink, PROC_PID_INIT_INO } from '../../src/procfs/parse-pid-namespace.js';
import { procfsViewWarning, readProcfsView, type ProcfsView } from '../../src/procfs/procfs-view.js';
import { createProcReader, type ProcReader } from '../../src/procfs/reader.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '23 27 0:22 / /sys rw,nosuid - sysfs sysfs rw',
  '31 23 0:28 / /host/proc ro,relatime - proc proc rw,hidepid=invisible,gid=1000',
  '32 23 0:29 / /host/old\\040proc ro - proc proc rw,hidepid=2',
  '33 23 0:30 / /host/odd ro - proc proc rw,hidepid=7',
  'garbage line',
  '40 27 0:40 / /mnt/stacked rw shared:4 master:2 - tmpfs tmpfs rw',
  '41 27 0:41 / /mnt/stacked rw - proc proc rw,hidepid=noaccess',
].join('\n');

t.test('mountinfo: fields, escapes, optional fields, stacked mounts, hidepid names and numbers', async (t) => {
  const mounts = parseMountInfo(MOUNTINFO);
  t.equal(mounts.length, 7, 'the garbage line is skipped');
  t.same(mountAt(mounts, '/proc'), { mountPoint: '/proc', fsType: 'proc', superOptions: ['rw'] });
  t.equal(hidepidOf(mountAt(mounts, '/proc')!), 'off', 'not printed means off');
  t.equal(hidepidOf(mountAt(mounts, '/host/proc')!), 'invisible');
  t.equal(hidepidOf(mountAt(mounts, '/host/old proc')!), 'invisible', 'octal escape undone; old kernels print 2');
  t.equal(hidepidOf(mountAt(mounts, '/host/odd')!), null, 'a value no kernel prints');
  t.equal(hidepidOf(mountAt(mounts, '/mnt/stacked')!), 'noaccess', 'the topmost of stacked mounts');
  t.equal(mountAt(mounts, '/nowhere'), undefined);
});

t.test('namespace links and kernel threads', async (t) => {
  t.equal(PROC_PID_INIT_INO, 4026531836);
  t.equal(parsePidNsLink('pid:[4026531836]'), PROC_PID_INIT_INO);
  t.equal(parsePidNsLink('pid:[4026532179]\n'), 4026532179);
  t.equal(parsePidNsLink('net:[4026531840]'), null);
  t.ok(isKernelThreadStat('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0'));
  t.notOk(
    isKernelThreadStat('2 (fake) kthreadd) S 1 2 2 0 -1 4194560 0 0'),
    'a process named like a kernel thread, without the flag',
  );
  t.notOk(isKernelThreadStat('garbage'));
});

/** A fixture proc root whose links and mountinfo the test controls. */
function fixtureRoot(
  t: Test,
  opts: { mountinfo?: (dir: string) => string; nsLink?: string; pid2?: string | null },
): { reader: ProcReader } {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  if (opts.mountinfo) writeFileSync(`${tree.dir}/self/mountinfo`, opts.mountinfo(tree.dir));
  if (opts.pid2 !== undefined && opts.pid2 !== null) writeFileSync(`${tree.dir}/2/stat`, opts.pid2);
  if (opts.pid2 === null) {
    mkdirSync(`${tree.dir}/2x`, { recursive: true });
  }
  const base = createProcReader(tree.dir, { native: false });
  const reader: ProcReader = {
    ...base,
    readLink: (rel) => {
      if (rel === '1/ns/pid' && opts.nsLink) return opts.nsLink;
      if (rel === 'self/ns/pid') return 'pid:[4026531836]';
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    },
  };
  return { reader };
}

t.test('views of fixture roots: the namespace link first, then kernel threads, then their absence', async (t) => {
  const host = fixtureRoot(t, {
    mountinfo: (d) => `22 27 0:21 / ${d} rw - proc proc rw,hidepid=invisible\n`,
    nsLink: 'pid:[4026531836]',
  });
  t.match(readProcfsView(host.reader), {
    hidepid: 'invisible',
    pidNamespace: 'host',
    evidence: 'ns_link',
    pid1Visible: true,
    selfInHostPidNamespace: true,
  });
  const ctr = fixtureRoot(t, { mountinfo: (d) => `22 27 0:21 / ${d} rw - proc proc rw\n`, nsLink: 'pid:[4026532179]' });
  t.match(readProcfsView(ctr.reader), { hidepid: 'off', pidNamespace: 'container', evidence: 'ns_link' });
  const kthread = fixtureRoot(t, { pid2: '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0\n' });
  t.match(
    readProcfsView(kthread.reader),
    { hidepid: 'unknown', pidNamespace: 'host', evidence: 'kernel_thread' },
    'unprivileged: PID 2 is kthreadd',
  );
  const noKthread = fixtureRoot(t, { mountinfo: (d) => `22 27 0:21 / ${d} rw - proc proc rw\n`, pid2: null });
  t.match(
    readProcfsView(noKthread.reader),
    { pidNamespace: 'container', evidence: 'no_kernel_thread' },
    'hidepid off and no PID 2',
  );
  const userPid2 = fixtureRoot(t, {
    mountinfo: (d) => `22 27 0:21 / ${d} rw - proc proc rw\n`,
    pid2: '2 (sh) S 1 2 2 0 -1 4194560 0 0\n',
  });
  t.match(
    readProcfsView(userPid2.reader),
    { pidNamespace: 'container', evidence: 'no_kernel_thread' },
    'PID 2 an ordinary process',
  );
  const cannotTell = fixtureRoot(t, { pid2: null });
  t.match(readProcfsView(cannotTell.reader), { hidepid: 'unknown', pidNamespace: 'unknown', evidence: 'none' });
});

t.test('one warning per way of not seeing the host', async (t) => {
  const ok: ProcfsView = {
    hidepid: 'off',
    pidNamespace: 'host',
    evidence: 'ns_link',
    pid1Visible: true,
    selfInHostPidNamespace: true,
  };
  t.equal(procfsViewWarning(ok, '/proc'), undefined);
  t.match(
    procfsViewWarning({ ...ok, pidNamespace: 'container' }, '/proc'),
    /^\/proc shows a container's PID namespace, not the host's/,
  );
  t.match(
    procfsViewWarning({ ...ok, pidNamespace: 'unknown' }, '/proc'),
    /^can't tell whether \/proc shows the host's PID namespace/,
  );
  t.match(
    procfsViewWarning({ ...ok, hidepid: 'invisible', pid1Visible: false }, '/proc'),
    /hidepid=invisible and hides other users' processes/,
  );
  t.match(
    procfsViewWarning({ ...ok, selfInHostPidNamespace: false }, '/host/proc'),
    /runs in a child PID namespace: pid_max is read in that namespace/,
  );
});

t.test(
  'the real /proc here shows the host, read by root',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  async (t) => {
    // Root reads PID 1's namespace link where ptrace access to PID 1 is allowed; some sandboxes (a non-dumpable PID 1)
    // refuse even root, and then kthreadd answers. Either way it is the host.
    const view = readProcfsView(createProcReader('/proc'));
    t.match(view, { hidepid: 'off', pidNamespace: 'host', pid1Visible: true, selfInHostPidNamespace: true });
    t.match(view.evidence, /^(ns_link|kernel_thread)$/);
  },
);
