import t from 'tap';
import { isNamespaceInit, parseStatus, SIGCHLD_MASK, sigchldDisposition } from '../../src/procfs/parse-proc-status.js';

const status = (blk: string, ign: string, cgt: string) =>
  `Name:\tinit\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nSigQ:\t0/63382\nSigPnd:\t0000000000000000\nSigBlk:\t${blk}\nSigIgn:\t${ign}\nSigCgt:\t${cgt}\n`;
const Z = '0000000000000000';

t.test('SIGCHLD is signal 17, bit 16', async (t) => {
  t.equal(SIGCHLD_MASK, 0x10000n);
});

t.test('the SIGCHLD disposition is read bit by bit; several can hold at once', async (t) => {
  const none = { ignored: false, caught: false, blocked: false };
  for (const [blk, ign, cgt, want, who] of [
    [Z, Z, '0000000000010000', { ...none, caught: true }, 'a Node PID 1: a handler'],
    [Z, '0000000000010000', Z, { ...none, ignored: true }, 'SIG_IGN: the kernel reaps'],
    ['0000000000010000', Z, Z, { ...none, blocked: true }, 'tini or systemd: blocked, reaped through signalfd'],
    ['0000000000010000', Z, '0000000000014002', { ...none, blocked: true, caught: true }, 'dumb-init: both'],
    [Z, '0000000000001000', '00000000000004e8', none, "this machine's PID 1: SIGPIPE ignored, SIGCHLD at default"],
    ['fffffffe7ffefeff', Z, Z, none, 'everything blocked but SIGCHLD'],
  ] as const) {
    const r = parseStatus(status(blk, ign, cgt));
    t.ok(r.ok);
    if (r.ok) t.same(sigchldDisposition(r.value), want, who);
  }
});

t.test(
  'NSpid: the pid at every PID namespace level; a namespace init ends in 1 with more than one level',
  async (t) => {
    const withNs = (line: string) =>
      parseStatus(`${status(Z, Z, Z)}${line}
`);
    for (const [line, pids, init] of [
      ['NSpid:	7483	1', [7483, 1], true], // `unshare --pid --fork sleep`, seen from the host (this machine, kernel 6.18)
      ['NSpid:	7483	2', [7483, 2], false], // a child of that init
      ['NSpid:	9000	400	1', [9000, 400, 1], true], // nested: a container's container's init
      ['NSpid:	1', [1], false], // the reader's own PID 1
      ['NSpid:	4242', [4242], false],
      ['NSpid:	12 x', [], false], // junk says nothing
    ] as const) {
      const r = withNs(line);
      t.ok(r.ok, line);
      if (r.ok) {
        t.same(r.value.nsPids, pids, line);
        t.equal(isNamespaceInit(r.value), init, `${line}: namespace init ${init}`);
      }
    }
    const old = parseStatus(status(Z, Z, Z));
    t.same(old.ok && old.value.nsPids, [], 'kernels before 4.1 print no NSpid');
  },
);

t.test('uid is the real uid', async (t) => {
  const r = parseStatus(status(Z, Z, Z));
  t.equal(r.ok && r.value.uid, 1000);
  const noUid = parseStatus(`SigBlk:\t${Z}\nSigIgn:\t${Z}\nSigCgt:\t${Z}\n`);
  t.equal(noUid.ok && noUid.value.uid, -1);
});

t.test('missing or malformed masks are typed failures', async (t) => {
  t.same(parseStatus('Name:\tx\n'), { ok: false, failure: 'missing signal masks' });
  t.same(parseStatus(''), { ok: false, failure: 'missing signal masks' });
  t.same(parseStatus(status(Z, 'zz', Z)), { ok: false, failure: 'bad SigIgn mask' });
  t.same(parseStatus(status(Z, Z, '00000000000000000')), { ok: false, failure: 'bad SigCgt mask' });
});
