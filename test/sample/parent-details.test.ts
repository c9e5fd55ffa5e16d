import t from 'tap';
import { createProcReader, type ProcReader } from '../../src/procfs/reader.js';
import { createParentDetailsReader, DETAILS_MAX_AGE_MS } from '../../src/sample/parent-details.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

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
  const d = createParentDetailsReader(reader);
  const first = d.describe(100, 500, 1_000);
  t.same(first, { uid: 1000, user: 'alice', cgroup: first.cgroup });
  t.ok(first.cgroup, 'and its cgroup');
  t.same(d.describe(100, 500, 1_000 + DETAILS_MAX_AGE_MS - 1), first);
  t.same([reads.get('100/status'), reads.get('100/cgroup'), reads.get('passwd')], [1, 1, 1]);
  d.describe(100, 500, 1_000 + DETAILS_MAX_AGE_MS);
  t.equal(reads.get('100/status'), 2, 'read again once a minute old');
});

t.test('a reused pid (another start time) is a new parent', async (t) => {
  const { reader, reads } = counting(createProcReader(ZOMBIE_TREE, { native: false }));
  const d = createParentDetailsReader(reader);
  d.describe(100, 500, 1_000);
  d.describe(100, 777, 1_001);
  t.equal(reads.get('100/status'), 2);
});

t.test('parents not described in a sample are forgotten at its end', async (t) => {
  const { reader, reads } = counting(createProcReader(ZOMBIE_TREE, { native: false }));
  const d = createParentDetailsReader(reader);
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
  const d = createParentDetailsReader(createProcReader('/nonexistent-proc-root', { native: false }));
  t.same(d.describe(42, 1, 1), { uid: null, user: null, cgroup: null });
  t.equal(d.uptimeSeconds(), null);
});
