import t from 'tap';
import { handlesSigchld, parseStatus, SIGCHLD_MASK } from '../../src/procfs/parse-proc-status.js';

const status = (blk: string, ign: string, cgt: string) =>
  `Name:\tinit\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nSigQ:\t0/63382\nSigPnd:\t0000000000000000\nSigBlk:\t${blk}\nSigIgn:\t${ign}\nSigCgt:\t${cgt}\n`;
const Z = '0000000000000000';

t.test('SIGCHLD is signal 17, bit 16', async (t) => {
  t.equal(SIGCHLD_MASK, 0x10000n);
});

t.test('caught, ignored or blocked SIGCHLD counts as handled', async (t) => {
  for (const [blk, ign, cgt, want] of [
    [Z, Z, '0000000000010000', true],
    [Z, '0000000000010000', Z, true],
    ['0000000000010000', Z, Z, true],
    [Z, '0000000000001000', '00000000000004e8', false], // this machine's PID 1: SIGPIPE ignored, SIGCHLD default
    ['fffffffe7ffefeff', Z, Z, false], // everything blocked but SIGCHLD
    [Z, Z, 'ffffffffffffffff', true],
  ] as const) {
    const r = parseStatus(status(blk, ign, cgt));
    t.ok(r.ok);
    if (r.ok) t.equal(handlesSigchld(r.value), want, `${blk}/${ign}/${cgt}`);
  }
});

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
