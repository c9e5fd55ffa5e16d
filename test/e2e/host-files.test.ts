// Host files that go missing or turn to junk under the running built exporter (its worker reads --path.procfs, a
// copy of the fixture tree changed between samples): every sample still publishes zombies, parents, states and PID 1;
// the PID-usage families that need the file leave that sample (absent, not 0) and come back with it; each sample
// without it counts zombie_exporter_sample_errors_total{source}, and /healthz names the file.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { find, parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';
import { REPO, startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const tree = copyTree(ZOMBIE_TREE);
t.teardown(tree.remove);
const ex = await startExporter([`--path.procfs=${tree.dir}`, '--sample.interval=100ms']);
t.teardown(() => ex.stop());
await waitFor('a first sample', async () => (await fetch(`${ex.url}/healthz`)).status === 200);

interface HealthBody {
  healthy: boolean;
  reason: string;
  lastFailure: unknown;
  sourceErrors: { source: string; message: string }[];
  pidUsageUnknown: { reason: string; files: string[] } | null;
}
const health = async () => {
  const res = await fetch(`${ex.url}/healthz`);
  const text = await res.text();
  t.notMatch(text, tree.dir, '/healthz never names the proc root');
  t.notMatch(text, REPO);
  return { status: res.status, body: JSON.parse(text) as HealthBody };
};
const scrape = async (): Promise<Series[]> => {
  const res = await fetch(`${ex.url}/metrics`);
  // Thrown, not asserted: a wait retries it, and a check outside one fails with it.
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
};
const errors = (s: Series[], source: string) => valueOf(s, 'zombie_exporter_sample_errors_total', { source })!;
const sampleTime = (s: Series[]) => valueOf(s, 'zombie_exporter_last_sample_timestamp_seconds')!;

/** The PID-usage series of a scrape, by family; what the fixture gives when every file reads. */
const pidSeries = (s: Series[]) => ({
  pidsInUse: valueOf(s, 'proctable_pids_in_use'),
  kernelTasks: valueOf(s, 'proctable_kernel_tasks'),
  pidMax: valueOf(s, 'proctable_pid_max'),
  threadsMax: valueOf(s, 'proctable_threads_max'),
  limit: find(s, 'proctable_pid_limit').map((x) => [x.labels.limited_by, x.value]),
});
const ALL_READ = {
  pidsInUse: 412,
  kernelTasks: 412,
  pidMax: 32768,
  threadsMax: 30000,
  limit: [['threads_max', 30000]],
};

/**
 * Breaks one host file, checks that samples keep coming with the zombies and without what needs the file, that each
 * counts the error and /healthz names the file, then repairs it and checks everything is back.
 */
async function hostFile(
  t: Test,
  what: string,
  source: string,
  file: string,
  message: string | RegExp,
  absent: Partial<typeof ALL_READ>,
  breakIt: () => void,
  repair: () => void,
) {
  const before = await waitFor('every file read', async () => {
    const s = await scrape();
    return JSON.stringify(pidSeries(s)) === JSON.stringify(ALL_READ) && s;
  });
  breakIt();
  // The first scrape after the break may still be the last sample before it; wait for one taken after.
  const broken = await waitFor(`${what}: a sample without it`, async () => {
    const s = await scrape();
    return errors(s, source) > errors(before, source) && s;
  });
  const expected = { ...ALL_READ, ...absent };
  t.same(pidSeries(broken), expected, `${what}: what needs ${file} is absent, the rest is there`);
  t.equal(valueOf(broken, 'proctable_zombies'), 9, `${what}: zombies still published`);
  t.equal(valueOf(broken, 'proctable_zombie_parents'), 4, `${what}: parents too`);
  t.equal(valueOf(broken, 'proctable_zombies_by_parent', { parent_pid: '100', parent_comm: 'bash' }), 4);
  t.equal(valueOf(broken, 'proctable_processes', { state: 'Z' }), 10, `${what}: and states`);
  t.equal(valueOf(broken, 'proctable_init_info', { comm: 'systemd' }), 1, `${what}: and PID 1`);

  // Samples keep coming, each counting the error once.
  const later = await waitFor(`${what}: three more samples`, async () => {
    const s = await scrape();
    return sampleTime(s) > sampleTime(broken) && errors(s, source) >= errors(broken, source) + 3 && s;
  });
  const samples = valueOf(later, 'zombie_exporter_samples_total')! - valueOf(broken, 'zombie_exporter_samples_total')!;
  t.equal(errors(later, source) - errors(broken, source), samples, `${what}: one ${source} error per sample`);
  t.equal(errors(later, 'procfs_root'), 0, `${what}: no sample failed`);

  const h = await health();
  t.equal(h.status, 200, `${what}: fresh samples, healthy`);
  t.equal(h.body.lastFailure, null);
  const said = h.body.sourceErrors.filter((e) => e.source === source);
  t.equal(said.length, 1, `${what}: /healthz says which file...`);
  t.match(said[0]?.message, message, `${what}: ...and why`);
  t.match(h.body.reason, `${source} unreadable: ${said[0]?.message}`);
  t.match(h.body.pidUsageUnknown, { files: [file] }, `${what}: /healthz names ${file}`);

  repair();
  const back = await waitFor(`${what}: the families back`, async () => {
    const s = await scrape();
    return valueOf(s, 'proctable_pid_max') !== undefined &&
      valueOf(s, 'proctable_pids_in_use') !== undefined &&
      find(s, 'proctable_pid_limit').length === 1 &&
      valueOf(s, 'proctable_threads_max') !== undefined
      ? s
      : undefined;
  });
  t.same(pidSeries(back), ALL_READ, `${what}: every PID-usage family back with its value`);
  const settled = await waitFor(`${what}: a sample after the repair`, async () => {
    const s = await scrape();
    return sampleTime(s) > sampleTime(back) && s;
  });
  t.equal(errors(settled, source), errors(back, source), `${what}: no more ${source} errors`);
  t.equal((await health()).body.pidUsageUnknown, null);
}

t.test('pid_max turned to junk, then valid again', (t) =>
  hostFile(
    t,
    'pid_max junk',
    'pid_max',
    'sys/kernel/pid_max',
    'parse sys/kernel/pid_max: not a single integer',
    { pidMax: undefined, limit: [] },
    () => writeFileSync(`${tree.dir}/sys/kernel/pid_max`, 'x7\u0000\n'),
    () => writeFileSync(`${tree.dir}/sys/kernel/pid_max`, '32768\n'),
  ),
);

t.test('pid_max empty', (t) =>
  hostFile(
    t,
    'pid_max empty',
    'pid_max',
    'sys/kernel/pid_max',
    'parse sys/kernel/pid_max: not a single integer',
    { pidMax: undefined, limit: [] },
    () => writeFileSync(`${tree.dir}/sys/kernel/pid_max`, ''),
    () => writeFileSync(`${tree.dir}/sys/kernel/pid_max`, '32768\n'),
  ),
);

t.test('pid_max replaced by a directory', (t) =>
  hostFile(
    t,
    'pid_max a directory',
    'pid_max',
    'sys/kernel/pid_max',
    // EISDIR from a plain read; ENOTREG where the reader refuses anything but a regular file before reading.
    /^read sys\/kernel\/pid_max: (EISDIR|ENOTREG)$/,
    { pidMax: undefined, limit: [] },
    () => {
      renameSync(`${tree.dir}/sys/kernel/pid_max`, `${tree.dir}/sys/kernel/pid_max.bak`);
      mkdirSync(`${tree.dir}/sys/kernel/pid_max`);
    },
    () => {
      rmSync(`${tree.dir}/sys/kernel/pid_max`, { recursive: true });
      renameSync(`${tree.dir}/sys/kernel/pid_max.bak`, `${tree.dir}/sys/kernel/pid_max`);
    },
  ),
);

t.test('threads-max removed: no limit (the lowest of the rest may not be where forks fail)', (t) =>
  hostFile(
    t,
    'threads-max removed',
    'threads_max',
    'sys/kernel/threads-max',
    'read sys/kernel/threads-max: ENOENT',
    { threadsMax: undefined, limit: [] },
    () => renameSync(`${tree.dir}/sys/kernel/threads-max`, `${tree.dir}/sys/kernel/threads-max.bak`),
    () => renameSync(`${tree.dir}/sys/kernel/threads-max.bak`, `${tree.dir}/sys/kernel/threads-max`),
  ),
);

t.test("loadavg removed: no PIDs in use nor kernel tasks; the host's limit stays", (t) =>
  hostFile(
    t,
    'loadavg removed',
    'loadavg',
    'loadavg',
    'read loadavg: ENOENT',
    { pidsInUse: undefined, kernelTasks: undefined },
    () => renameSync(`${tree.dir}/loadavg`, `${tree.dir}/loadavg.bak`),
    () => renameSync(`${tree.dir}/loadavg.bak`, `${tree.dir}/loadavg`),
  ),
);

t.test('loadavg cut mid-line', (t) =>
  hostFile(
    t,
    'loadavg cut short',
    'loadavg',
    'loadavg',
    'parse loadavg: not a loadavg line',
    { pidsInUse: undefined, kernelTasks: undefined },
    () => writeFileSync(`${tree.dir}/loadavg`, '0.10 0.2'),
    () => writeFileSync(`${tree.dir}/loadavg`, '0.52 0.58 0.59 3/412 30211\n'),
  ),
);
