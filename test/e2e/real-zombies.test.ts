// Real zombies on the real /proc, read over real HTTP, checked against ps as the ground truth.

import t from 'tap';
import { find, parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { type Exporter, psChildren, startExporter, startLeak } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

async function scrape(ex: Exporter): Promise<Series[]> {
  const res = await fetch(`${ex.url}/metrics`);
  if (res.status !== 200) throw new Error(`scrape: ${res.status}`);
  return parseExposition(await res.text());
}

t.test('three zombies under a parent that never reaps, then reaped when it dies', async (t) => {
  const ex = await startExporter(['--sample.interval=100ms', '--zombies.top-parents=1000']);
  t.teardown(() => ex.stop());
  const leak = await startLeak('zombies', 3);
  t.teardown(() => leak.stop());
  const parent = String(leak.parentPid);

  const truth = await waitFor('ps to show three zombies', () => {
    const kids = psChildren(leak.parentPid);
    return kids.length === 3 && kids.every((k) => k.stat.startsWith('Z')) && kids;
  });
  t.same(truth.map((k) => k.pid).sort(), [...leak.childPids].sort(), 'the zombies are the children leak.py forked');

  const seen = await waitFor('the exporter to see them', async () => {
    const s = await scrape(ex);
    return valueOf(s, 'proctable_zombies_by_parent', { parent_pid: parent }) === 3 && s;
  });
  t.same(
    find(seen, 'proctable_zombies_by_parent', { parent_pid: parent }).map((x) => x.labels),
    [{ parent_pid: parent, parent_comm: 'sleep' }],
  );
  t.ok(valueOf(seen, 'proctable_zombies')! >= 3);
  t.equal(
    find(seen, 'proctable_zombies_by_parent').reduce((n, x) => n + x.value, 0),
    valueOf(seen, 'proctable_zombies'),
    'sum(by_parent) == zombies',
  );
  t.ok(
    valueOf(seen, 'proctable_pids_in_use')! >= valueOf(seen, 'proctable_visible_tasks')! - 50,
    'loadavg counts what the walk sees',
  );

  const aged = await waitFor('the oldest zombie to age', async () => {
    const s = await scrape(ex);
    const age = valueOf(s, 'proctable_zombie_parent_oldest_age_seconds', { parent_pid: parent });
    return age !== undefined && age >= 0.3 && s;
  });
  t.ok(valueOf(aged, 'proctable_zombie_oldest_age_seconds')! >= 0.3);
  const reapedBefore = valueOf(aged, 'proctable_zombies_reaped_total')!;
  t.ok(valueOf(aged, 'proctable_zombies_appeared_total')! >= 3);

  await leak.killParent();
  t.same(psChildren(leak.parentPid), [], 'ps: the subreaper reaped them');
  const after = await waitFor('the exporter to count them reaped', async () => {
    const s = await scrape(ex);
    return find(s, 'proctable_zombies_by_parent', { parent_pid: parent }).length === 0 && s;
  });
  t.ok(valueOf(after, 'proctable_zombies_reaped_total')! - reapedBefore >= 3, 'all three counted as reaped');
});

t.test('an exited leader with a live thread is not a reapable zombie', async (t) => {
  const ex = await startExporter(['--sample.interval=100ms', '--zombies.top-parents=1000']);
  t.teardown(() => ex.stop());
  const leak = await startLeak('thread-leader');
  t.teardown(() => leak.stop());
  const leader = leak.childPids[0]!;
  const truth = await waitFor('ps to show a Z leader with two threads', () => {
    const k = psChildren(leak.parentPid).find((c) => c.pid === leader);
    return k && k.stat.startsWith('Z') && k.nlwp === 2 && k;
  });
  t.equal(truth.nlwp, 2);
  const s = await waitFor('the exporter to count it', async () => {
    const x = await scrape(ex);
    return valueOf(x, 'proctable_zombie_leaders_with_threads')! >= 1 && x;
  });
  t.same(
    find(s, 'proctable_zombies_by_parent', { parent_pid: String(leak.parentPid) }),
    [],
    'its parent holds no reapable zombie',
  );
  t.ok(
    valueOf(s, 'proctable_processes', { state: 'Z' })! >= valueOf(s, 'proctable_zombies')! + 1,
    'still a Z in the state counts',
  );
});
