import t from 'tap';
import { createProcReader, type ProcReader } from '../../src/procfs/reader.js';
import { ParentFacts, PARENT_FACTS_MAX_AGE_MS } from '../../src/sample/parent-facts.js';
import { readUptimeSeconds } from '../../src/sample/top-parents.js';
import { faultyReader, ZOMBIE_TREE } from '../helpers/fixtures.js';

/** Counts the reads a ProcReader is asked for, by relative path. */
function counting(inner: ProcReader): { reader: ProcReader; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const count = (key: string) => reads.set(key, (reads.get(key) ?? 0) + 1);
  return {
    reads,
    reader: {
      ...inner,
      readText(rel) {
        count(rel);
        return inner.readText(rel);
      },
      readPasswd() {
        count('passwd');
        return inner.readPasswd();
      },
    },
  };
}

t.test('a parent is read once, then served from the cache for a minute', async (t) => {
  const { reader, reads } = counting(createProcReader(ZOMBIE_TREE, { native: false }));
  const d = new ParentFacts(reader);
  const first = d.describe(100, 500, 1_000);
  t.same(first, { uid: 1000, user: 'alice', cgroup: first.cgroup });
  t.ok(first.cgroup, 'and its cgroup');
  t.same(d.describe(100, 500, 1_000 + PARENT_FACTS_MAX_AGE_MS - 1), first);
  t.same([reads.get('100/status'), reads.get('100/cgroup'), reads.get('passwd')], [1, 1, 1]);
  d.describe(100, 500, 1_000 + PARENT_FACTS_MAX_AGE_MS);
  t.equal(reads.get('100/status'), 2, 'read again once a minute old');
});

t.test('a reused pid (another start time) is a new parent', async (t) => {
  const { reader, reads } = counting(createProcReader(ZOMBIE_TREE, { native: false }));
  const d = new ParentFacts(reader);
  d.describe(100, 500, 1_000);
  d.describe(100, 777, 1_001);
  t.equal(reads.get('100/status'), 2);
});

t.test('parents not described in a sample are forgotten at its end', async (t) => {
  const { reader, reads } = counting(createProcReader(ZOMBIE_TREE, { native: false }));
  const d = new ParentFacts(reader);
  d.describe(100, 500, 1_000);
  d.describe(200, 700, 1_000);
  d.endSample();
  d.describe(200, 700, 2_000);
  d.endSample();
  d.endSample(); // 100 was not described in the second sample, 200 not in the third
  d.describe(100, 500, 3_000);
  d.describe(200, 700, 3_000);
  t.same([reads.get('100/status'), reads.get('200/status')], [2, 2]);
});

t.test('unreadable details are null, never a throw', async (t) => {
  const d = new ParentFacts(createProcReader('/nonexistent-proc-root', { native: false }));
  t.same(d.describe(42, 1, 1), { uid: null, user: null, cgroup: null });
  t.equal(readUptimeSeconds(createProcReader('/nonexistent-proc-root', { native: false })), null);
});

t.test("a parent's cgroup is read once a minute while it keeps zombies, and forgotten when it stops", async (t) => {
  const reads: string[] = [];
  const base = createProcReader(ZOMBIE_TREE, { native: false });
  const cgroups = new ParentFacts({ ...base, readText: (rel) => (reads.push(rel), base.readText(rel)) });
  t.equal(cgroups.cgroupOf(200, 1000), '/system.slice/my-app.service', 'v1 pids controller path');
  t.equal(cgroups.cgroupOf(100, 1000), '/user.slice/user-1000.slice/session-3.scope');
  t.equal(cgroups.cgroupOf(200, 1000 + PARENT_FACTS_MAX_AGE_MS - 1), '/system.slice/my-app.service');
  t.same(reads, ['200/cgroup', '100/cgroup']);
  cgroups.cgroupOf(200, 1000 + PARENT_FACTS_MAX_AGE_MS);
  t.equal(reads.length, 3, 'a minute old: read again');
  cgroups.cgroupOf(200, 1000 + PARENT_FACTS_MAX_AGE_MS, 777);
  cgroups.cgroupOf(200, 1000 + PARENT_FACTS_MAX_AGE_MS, 778);
  t.equal(reads.length, 4, 'another start time: a reused pid, read again');
  cgroups.endSample();
  cgroups.endSample();
  t.equal(cgroups.size, 0, 'nobody asked in a whole sample: forgotten');
  t.equal(cgroups.cgroupOf(0, 1), null, 'pid 0: outside the namespace');
  t.equal(cgroups.cgroupOf(424242, 1), null, 'gone');
  const hidden = new ParentFacts(
    faultyReader(base, { text: (rel) => (rel.endsWith('/cgroup') ? 'EACCES' : undefined) }),
  );
  t.equal(hidden.cgroupOf(100, 1), null, 'unreadable is unknown, never a throw');
});
