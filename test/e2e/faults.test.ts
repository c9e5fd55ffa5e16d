// Faults through real files under the built exporter (its worker reads --path.procfs): pid files that fail in new
// ways, and the proc root renamed away and removed while it runs.

import { renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';
import { REPO, startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const tree = copyTree(ZOMBIE_TREE);
t.teardown(() => {
  rmSync(`${tree.dir}.gone`, { recursive: true, force: true });
  tree.remove();
});
const ex = await startExporter([`--path.procfs=${tree.dir}`, '--sample.interval=100ms', '--log.level=debug']);
t.teardown(() => ex.stop());

interface HealthBody {
  healthy: boolean;
  reason: string;
  lastSampleTime: string | null;
  skipped: Record<string, number> | null;
  skipDetails: { pid: number; reason: string; detail: string }[];
}
const health = async () => {
  const res = await fetch(`${ex.url}/healthz`);
  const text = await res.text();
  t.notMatch(text, tree.dir, '/healthz never names the proc root');
  t.notMatch(text, REPO);
  return { status: res.status, body: JSON.parse(text) as HealthBody };
};
const scrape = async () => {
  const res = await fetch(`${ex.url}/metrics`);
  t.equal(res.status, 200, '/metrics keeps answering');
  return parseExposition(await res.text());
};
const timestamp = async () => valueOf(await scrape(), 'zombie_exporter_last_sample_timestamp_seconds')!;

/** Breaks something, checks the exporter serves the last good sample and says why, then repairs and checks recovery. */
async function fault(t: Test, what: string, source: string, reason: string, breakIt: () => void, repair: () => void) {
  await waitFor('a healthy exporter', async () => (await health()).status === 200);
  const errorsBefore = valueOf(await scrape(), 'zombie_exporter_sample_errors_total', { source })!;
  breakIt();
  const stale = await waitFor(`${what}: unhealthy`, async () => {
    const h = await health();
    return h.status === 503 && h;
  });
  t.match(stale.body.reason, reason, `${what}: /healthz says why`);
  t.match(stale.body.reason, /older than 3 intervals/);
  const frozen = await timestamp();
  t.equal(
    new Date(frozen * 1000).toISOString(),
    stale.body.lastSampleTime,
    `${what}: the last good sample, with its timestamp`,
  );
  await waitFor(
    `${what}: more failures`,
    async () => valueOf(await scrape(), 'zombie_exporter_sample_errors_total', { source })! >= errorsBefore + 3,
  );
  t.equal(await timestamp(), frozen, `${what}: nothing newer is made up`);
  t.equal(valueOf(await scrape(), 'proctable_zombies'), 9, `${what}: the last good values`);
  repair();
  await waitFor(`${what}: recovery`, async () => (await health()).status === 200);
  t.ok((await timestamp()) > frozen, `${what}: fresh samples again`);
  t.equal(ex.child.exitCode, null, `${what}: never exited`);
}

t.test('pid files failing in ways the fixture does not have: ELOOP, ENOTDIR', async (t) => {
  rmSync(`${tree.dir}/500/stat`);
  symlinkSync('stat', `${tree.dir}/500/stat`); // a link to itself: never followed, open() fails with ELOOP
  rmSync(`${tree.dir}/501`, { recursive: true });
  writeFileSync(`${tree.dir}/501`, 'a file where a pid folder should be\n'); // open("501/stat") fails with ENOTDIR
  const h = await waitFor('the new skips', async () => {
    const r = await health();
    return r.body.skipped?.not_regular === 2 && r;
  });
  // The tree's own: 602's stat is a directory (not_regular) and 1x names no pid.
  t.same(
    h.body.skipped,
    { vanished: 1, permission: 0, malformed: 3, io_error: 1, not_regular: 2, not_a_pid: 1 },
    'every skip counted by reason, per sample',
  );
  const details = new Map(h.body.skipDetails.map((d) => [d.pid, d.detail]));
  t.equal(details.get(500), 'ELOOP');
  t.equal(details.get(501), 'ENOTDIR');
  t.match(h.body.reason, '7 pids skipped in the last sample (3 malformed, 1 io_error, 2 not_regular, 1 not_a_pid)');
  const series = await scrape();
  t.ok(
    valueOf(series, 'zombie_exporter_skipped_pids_total', { reason: 'not_regular' })! >= 2,
    'the counter grows with every sample',
  );
  t.equal(valueOf(series, 'proctable_zombies'), 9, 'the zombies are still counted');
});

// loadavg, pid_max and threads-max missing or junk no longer fail a sample: host-files.test.ts.

t.test('the proc root renamed away while running, then back', (t) =>
  fault(
    t,
    'root renamed',
    'procfs_root',
    'the latest collection failed (procfs_root): list the proc root: ENOENT',
    () => renameSync(tree.dir, `${tree.dir}.gone`),
    () => renameSync(`${tree.dir}.gone`, tree.dir),
  ),
);

t.test('the proc root removed for good', async (t) => {
  rmSync(tree.dir, { recursive: true, force: true });
  const h = await waitFor('unhealthy', async () => {
    const r = await health();
    return r.status === 503 && r;
  });
  t.match(h.body.reason, 'list the proc root: ENOENT');
  t.equal(valueOf(await scrape(), 'proctable_zombies'), 9, 'the last good sample is still served');
  t.equal(ex.child.exitCode, null);
  const warnings = ex
    .stderr()
    .split('\n')
    .filter((l) => l.includes('sample failed; serving the last good sample'));
  // Two outages (renamed away, removed), each failing sample after sample: one warning each, not one per interval.
  const failed = valueOf(await scrape(), 'zombie_exporter_sample_errors_total', { source: 'procfs_root' })!;
  t.ok(failed >= 6, `failed samples (${failed})`);
  t.equal(warnings.length, 2, 'one warning per distinct failure, not per interval');
  t.notMatch(ex.stderr(), /^\s+at /m, 'no stack in the logs');
});
