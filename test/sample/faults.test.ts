import { once } from 'node:events';
// Fault injection through the procfs reader, for the errno cases real files can't produce as root: every skip is
// counted by reason, a host file failing leaves only PID usage out, the proc root failing fails only that sample, and
// the exporter keeps serving the last good sample with its timestamp while /healthz says what is wrong.

import { Registry } from 'prom-client';
import t from 'tap';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { SourceFailure } from '../../src/sample/sample.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import { Sampler } from '../../src/sample/sampler.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { faultyReader, ZOMBIE_TREE, type Faults } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';

/** The next sample the sampler publishes. */
const nextSample = async (sampler: Sampler): Promise<Sample> => ((await once(sampler, 'sample')) as [Sample])[0];

const base = createProcReader(ZOMBIE_TREE, { native: false });
const clean = createSampleTaker({ reader: base, topParents: 10 }).take();
const collectWith = (faults: Faults) =>
  createSampleTaker({ reader: faultyReader(base, faults), topParents: 10 }).take();
// pid 100 is the top parent (4 zombies), 101 one of its zombies, 500 a plain process.
const ERRNO_REASON: [string, string][] = [
  ['ENOENT', 'vanished'],
  ['ESRCH', 'vanished'],
  ['EACCES', 'permission'],
  ['EPERM', 'permission'],
  ['EIO', 'io_error'],
  ['EMFILE', 'io_error'],
  ['ENFILE', 'io_error'],
  ['EISDIR', 'not_regular'],
  ['ENOTREG', 'not_regular'],
  ['ELOOP', 'not_regular'],
];

t.test('a stat that fails to open or to read is skipped and counted by reason', async (t) => {
  for (const phase of ['pidFile', 'pidRead'] as const) {
    for (const [code, reason] of ERRNO_REASON) {
      const s = collectWith({
        [phase]: (pid: number, name: string) => (name === 'stat' && (pid === 101 || pid === 500) ? code : undefined),
      });
      const what = `${code} on ${phase === 'pidFile' ? 'open' : 'read'}`;
      t.equal(
        s.skipped[reason as keyof typeof s.skipped],
        clean.skipped[reason as keyof typeof s.skipped] + 2,
        `${what}: two more ${reason}`,
      );
      t.equal(s.processes, clean.processes - 2, `${what}: the rest are read`);
      t.equal(s.zombies, clean.zombies - 1, `${what}: the unreadable zombie is not guessed at`);
      if (reason !== 'vanished')
        t.match(
          s.skipDetails,
          [
            { pid: 101, reason, detail: code },
            { pid: 500, reason, detail: code },
          ].map((d) => d),
          `${what}: which pid and why`,
        );
    }
  }
});

t.test('empty, truncated and junk stat files are malformed, each with its parse failure', async (t) => {
  const cases: [string, (real: Buffer) => Buffer, string][] = [
    ['empty', () => Buffer.alloc(0), 'empty'],
    // Cut before start time, the last field the walk needs; cut after it, the fields read are whole and exact.
    ['cut mid-line', (real) => real.subarray(0, real.lastIndexOf(')') + 12), 'truncated'],
    ['cut inside comm', (real) => real.subarray(0, real.indexOf('(') + 2), 'truncated'],
    ['no comm', () => Buffer.from('101 S 1\n'), 'no_comm'],
    [
      'a state that is none',
      (real) => Buffer.from(real.toString('latin1').replace(') Z ', ') Q '), 'latin1'),
      'bad_state',
    ],
    [
      'letters for numbers',
      (real) => Buffer.from(real.toString('latin1').replace(/\) Z \d+/, ') Z abc'), 'latin1'),
      'bad_number',
    ],
    ['binary junk', () => Buffer.from([0xff, 0x00, 0x28, 0x29, 0x0a, 0x80]), 'bad_state'],
    ['a pid of letters', (real) => Buffer.concat([Buffer.from('x'), real]), 'bad_number'],
  ];
  for (const [what, mangle, failure] of cases) {
    const s = collectWith({
      pidContent: (pid, name, real) => (name === 'stat' && pid === 101 ? mangle(real) : undefined),
    });
    t.equal(s.skipped.malformed, clean.skipped.malformed + 1, `${what}: one more malformed`);
    t.ok(
      s.skipDetails.some((d) => d.pid === 101 && d.detail === failure),
      `${what}: ${failure}`,
    );
    t.equal(s.zombies, clean.zombies - 1, `${what}: not counted as anything`);
  }
});

t.test('loadavg, pid_max or threads-max unreadable, empty or junk: PID usage unknown, the rest counted', async (t) => {
  for (const [rel, source] of [
    ['loadavg', 'loadavg'],
    ['sys/kernel/pid_max', 'pid_max'],
    ['sys/kernel/threads-max', 'threads_max'],
  ] as const) {
    const faults: [string, Faults, RegExp][] = [
      ...ERRNO_REASON.map(([code]): [string, Faults, RegExp] => [
        code,
        { text: (r) => (r === rel ? code : undefined) },
        new RegExp(`^read ${rel}: ${code}$`),
      ]),
      ...[
        ['empty', ''],
        ['cut before its number', rel === 'loadavg' ? '0.00 0.01 ' : ''],
        ['junk', '\u0000\u00ff'],
      ].map(([what, text]): [string, Faults, RegExp] => [
        what!,
        { textContent: (r) => (r === rel ? text : undefined) },
        new RegExp(`^parse ${rel}: `),
      ]),
    ];
    for (const [what, f, message] of faults) {
      const s = collectWith(f);
      t.equal(s.sourceErrors.length, 1, `${rel} ${what}: one source error`);
      t.match(s.sourceErrors[0], { source, message }, `${rel} ${what}: named`);
      t.same(s.pidUsageUnknown, [source], `${rel} ${what}: PID usage unknown without it`);
      // The host frame's limit needs no loadavg; without pid_max or threads-max there is none.
      t.same(
        [s.pidLimit, s.pidLimitedBy],
        source === 'loadavg' ? [30000, 'threads_max'] : [null, null],
        `${rel} ${what}: the limit`,
      );
      // What the walk counts needs none of these files.
      t.same(
        [s.zombies, s.zombieParents, s.processesByState, s.init?.comm, s.topParents.map((p) => [p.pid, p.zombies])],
        [9, 4, clean.processesByState, 'systemd', clean.topParents.map((p) => [p.pid, p.zombies])],
        `${rel} ${what}: zombies, parents, states and PID 1 as without the fault`,
      );
    }
  }
  for (const [rel, source] of [
    ['stat', 'stat'],
    ['1/status', 'init'],
  ] as const) {
    const s = collectWith({ text: (r) => (r === rel ? 'EIO' : undefined) });
    t.same(s.sourceErrors, [{ source, message: `read ${rel}: EIO` }], `${rel}: the sample stands without it`);
    // A number cut short is still a number; what can be told apart is a file cut before its line or mid-word.
    const truncated = collectWith({ textContent: (r, real) => (r === rel ? real.slice(0, 4) : undefined) });
    t.equal(truncated.sourceErrors[0]?.source, source, `${rel} truncated: reported, not fatal`);
  }
});

t.test('a proc root that cannot be listed fails the sample as procfs_root', async (t) => {
  for (const code of ['ENOENT', 'EACCES', 'EMFILE', 'EIO', 'ENOTDIR']) {
    t.throws(() => collectWith({ list: () => code }), new SourceFailure('procfs_root', `list the proc root: ${code}`));
  }
});

t.test(
  'the running exporter: last good sample served with its timestamp, failures counted, /healthz says why',
  async (t) => {
    let faults: Faults = {};
    let now = 1_700_000_000_000;
    const collector = createSampleTaker({
      reader: faultyReader(base, {
        list: () => faults.list?.(),
        text: (r) => faults.text?.(r),
        pidFile: (p, n) => faults.pidFile?.(p, n),
      }),
      topParents: 10,
      now: () => now,
    });
    const sampler = new Sampler({ take: () => collector.take(), intervalMs: 10, now: () => now });
    const metrics = new ExporterMetrics(
      new Registry(),
      { version: 't', revision: 'r', branch: 'b', nodejsVersion: 'v', os: 'linux', arch: 'x64', walker: 'node' },
      0.01,
      () => now,
    );
    const logs: string[] = [];
    sampler.on('sample', (s) => metrics.recordSample(s));
    sampler.on('failure', (f) => metrics.recordFailure(f.source));
    const app = buildApp({
      telemetryPath: '/metrics',
      sampleIntervalMs: 10,
      version: 't',
      samples: sampler,
      exposition: (format) => metrics.exposition(format),
      logger: createLogger('debug', 'logfmt', (l) => logs.push(l)),
      now: () => now,
    });
    t.teardown(() => sampler.stop());
    const scrape = async () => parseExposition((await app.inject('/metrics')).body);
    const health = async () => {
      const res = await app.inject('/healthz');
      return {
        status: res.statusCode,
        body: res.json<{ reason: string; lastSampleTime: string; skipped: Record<string, number> }>(),
      };
    };
    sampler.start();
    await nextSample(sampler);
    const goodTs = valueOf(await scrape(), 'zombie_exporter_last_sample_timestamp_seconds');
    t.equal(goodTs, now / 1000);

    // Pids failing with EMFILE: the sample is published with them skipped and counted.
    faults = { pidFile: (pid) => (pid === 500 || pid === 501 ? 'EMFILE' : undefined) };
    now += 10;
    const withSkips = await nextSample(sampler);
    t.equal(withSkips.skipped.io_error, clean.skipped.io_error + 2);
    const skippedAfter = valueOf(await scrape(), 'zombie_exporter_skipped_pids_total', { reason: 'io_error' })!;
    t.ok(skippedAfter >= 2, `io_error skips accumulate over samples (${skippedAfter})`);
    t.match(
      (await health()).body.reason,
      /pids skipped in the last sample \(3 malformed, 2 io_error, 1 not_regular, 1 not_a_pid\)/,
    );

    // pid_max failing: samples go on without PID usage, counting the error each time.
    faults = { text: (r) => (r === 'sys/kernel/pid_max' ? 'EIO' : undefined) };
    now += 10;
    // Polled, not awaited as an event: the sampler's timer is unref'd, and a poll keeps this test's loop alive.
    const noPidMax = await waitFor('a sample without pid_max', () => sampler.latest?.pidMax === null && sampler.latest);
    t.same(noPidMax.pidUsageUnknown, ['pid_max']);
    const partial = await scrape();
    t.equal(valueOf(partial, 'proctable_zombies'), noPidMax.zombies, 'zombies still published');
    t.equal(valueOf(partial, 'proctable_pid_max'), undefined, 'pid_max absent, not 0');
    t.equal(valueOf(partial, 'proctable_pid_limit', { limited_by: 'threads_max' }), undefined, 'no limit');
    t.equal(valueOf(partial, 'proctable_pids_in_use'), 412, 'loadavg still read');
    t.match((await health()).body.reason, 'PID usage unknown: pid_max unreadable');

    // The proc root unlistable: no new sample; the old one is served as it was, with its timestamp.
    faults = { list: () => 'EIO' };
    const failedAt = now;
    await waitFor('a failure', () => sampler.lastFailure?.source === 'procfs_root');
    const frozen = valueOf(await scrape(), 'zombie_exporter_last_sample_timestamp_seconds');
    t.equal(frozen, failedAt / 1000, 'the last good sample, with its own timestamp');
    t.equal(valueOf(await scrape(), 'proctable_zombies'), noPidMax.zombies, 'and its values');
    await waitFor(
      'errors counted',
      async () => valueOf(await scrape(), 'zombie_exporter_sample_errors_total', { source: 'procfs_root' })! >= 2,
    );
    const fresh = await health();
    t.equal(fresh.status, 200, 'within three intervals it is still healthy...');
    t.match(
      fresh.body.reason,
      'the latest collection failed (procfs_root): list the proc root: EIO',
      '...but says what is wrong',
    );
    now += 1000;
    const stale = await health();
    t.equal(stale.status, 503, 'past three intervals: unhealthy');
    t.match(
      stale.body.reason,
      /^last sample 1\.0s ago, older than 3 intervals \(0\.03s\); the latest collection failed \(procfs_root\): list the proc root: EIO/,
    );
    t.equal(stale.body.lastSampleTime, new Date(failedAt).toISOString());

    // The proc root gone.
    faults = { list: () => 'ENOENT', text: () => 'ENOENT' };
    await waitFor('the root failure', () => sampler.lastFailure?.message === 'list the proc root: ENOENT');
    t.match((await health()).body.reason, 'the latest collection failed (procfs_root): list the proc root: ENOENT');
    t.equal((await app.inject('/metrics')).statusCode, 200, 'still serving');

    // Recovery.
    faults = {};
    await waitFor('recovery', () => sampler.lastFailure === undefined);
    const recovered = await health();
    t.equal(recovered.status, 200);
    t.equal(valueOf(await scrape(), 'zombie_exporter_last_sample_timestamp_seconds'), now / 1000, 'a new timestamp');
  },
);
