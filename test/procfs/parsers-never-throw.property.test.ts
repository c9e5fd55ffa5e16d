// The text parsers (status, loadavg, sysctl, cgroup, passwd, uptime, /proc/stat) over arbitrary input: each returns
// its typed result or failure and never throws, and what it returns is well-typed.

import fc from 'fast-check';
import t from 'tap';
import { parseCgroup, primaryCgroupPath } from '../../src/procfs/parse-proc-cgroup.js';
import { parseLoadAvg } from '../../src/procfs/parse-loadavg.js';
import { parsePasswd } from '../../src/procfs/parse-passwd.js';
import { parseSystemStat } from '../../src/procfs/parse-stat.js';
import { isNamespaceInit, parseStatus, sigchldDisposition } from '../../src/procfs/parse-proc-status.js';
import { parseSysctlInt } from '../../src/procfs/parse-sysctl-int.js';
import { parseUptime } from '../../src/procfs/parse-uptime.js';

const RUNS = { numRuns: 2000 };
/** Text as the reader hands it over: arbitrary bytes decoded as UTF-8, plus text built from the files' own tokens. */
const text = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .array(
      fc.constantFrom(
        'Sig',
        'Blk',
        'Ign',
        'Cgt',
        'Uid',
        ':',
        '\t',
        ' ',
        '\n',
        '0',
        'f',
        'ffffffffffffffffff',
        '12',
        '-',
        '/',
        '.',
        'processes',
        '#',
        '+',
        'x',
        '99999999999999999999',
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join('')),
);

const isFailure = (r: { ok: boolean; failure?: unknown }) => r.ok || typeof r.failure === 'string';

t.test('every parser returns a typed result for any text', async (t) => {
  fc.assert(
    fc.property(text, (s) => {
      const status = parseStatus(s);
      if (status.ok) {
        if (typeof status.value.sigCgt !== 'bigint' || !Number.isInteger(status.value.uid)) return false;
        sigchldDisposition(status.value);
        isNamespaceInit(status.value);
      }
      const load = parseLoadAvg(s);
      if (load.ok && !Object.values(load.value).every(Number.isSafeInteger)) return false;
      const sysctl = parseSysctlInt(s);
      if (sysctl.ok && !Number.isSafeInteger(sysctl.value)) return false;
      const cgroup = parseCgroup(s);
      if (cgroup.ok) {
        const path = primaryCgroupPath(cgroup.value);
        if (path !== null && typeof path !== 'string') return false;
      }
      const users = parsePasswd(s);
      for (const [uid, name] of users) if (!Number.isSafeInteger(uid) || name === '') return false;
      const uptime = parseUptime(s);
      if (uptime.ok && !Number.isFinite(uptime.value)) return false;
      const forks = parseSystemStat(s);
      if (
        forks.ok &&
        (!Number.isSafeInteger(forks.value.forks) || !forks.value.cpus.every((c) => Number.isFinite(c.total)))
      )
        return false;
      return [status, load, sysctl, cgroup, uptime, forks].every(isFailure);
    }),
    RUNS,
  );
  t.pass('no parser threw');
});

t.test('numbers past 2^53 are refused, not rounded', async (t) => {
  t.match(parseSysctlInt('18446744073709551615\n'), { ok: false, failure: 'number out of range' });
  t.match(parseLoadAvg('0.00 0.00 0.00 1/99999999999999999999 1\n'), { ok: false, failure: 'number out of range' });
  t.match(parseSystemStat('processes 99999999999999999999\n'), { ok: false, failure: 'number out of range' });
  t.equal(parsePasswd('root:x:99999999999999999999:0::/:/bin/sh\n').size, 0);
});
