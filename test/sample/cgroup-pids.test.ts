// Which cgroups a sample carries: the closest to their limit, plus the ones that refused forks since start, bounded
// however many cgroups there are; and how refused forks are counted from first sight.

import { writeFileSync } from 'node:fs';
import t from 'tap';
import { CgroupPidsSelector, fillRatio } from '../../src/sample/cgroup-pids.js';
import { ForkRejections } from '../../src/sample/fork-rejections.js';
import { createSysfsReader } from '../../src/sysfs/reader.js';
import type { CgroupReading } from '../../src/sysfs/cgroup-walk.js';
import { copyTree, FIXTURES } from '../helpers/fixtures.js';

const V2 = `${FIXTURES}/sys/v2`;
const cg = (path: string, rejected: number | null): CgroupReading => ({ path, current: 1, max: 10, rejected });

t.test('fill ratio: +Inf limits are empty, a limit of 0 is full', async (t) => {
  t.equal(fillRatio({ current: 5, max: 10 }), 0.5);
  t.equal(fillRatio({ current: 500, max: Infinity }), 0);
  t.equal(fillRatio({ current: 0, max: 0 }), 1);
  t.equal(fillRatio({ current: 3, max: 0 }), Infinity);
  t.equal(fillRatio({ current: 12, max: 10 }), 1.2, 'a limit lowered below the current count');
});

t.test('refused forks count from first sight; new cgroups count from 0; a reset is a new cgroup', async (t) => {
  const r = new ForkRejections(100);
  let out = r.observe([cg('/old', 50), cg('/quiet', 0), cg('/unknown', null)], true, 1000);
  t.same(
    out.get('/old'),
    { sinceStart: 0, lastRejectMs: null },
    'refusals before the exporter started are not counted',
  );
  t.equal(out.has('/unknown'), false, 'no pids.events: nothing to say');
  out = r.observe([cg('/old', 53), cg('/quiet', 0), cg('/new', 4)], true, 2000);
  t.same(out.get('/old'), { sinceStart: 3, lastRejectMs: 2000 });
  t.same(
    out.get('/new'),
    { sinceStart: 4, lastRejectMs: 2000 },
    'appeared after a complete walk: every refusal is since start',
  );
  out = r.observe([cg('/old', 2), cg('/new', 4)], true, 3000);
  t.same(out.get('/old'), { sinceStart: 2, lastRejectMs: 3000 }, 'the counter went back: removed and made again');
  t.same(out.get('/new'), { sinceStart: 4, lastRejectMs: 2000 }, 'unchanged: the last refusal keeps its time');
  t.equal(r.size, 2, '/quiet was removed: forgotten after a complete walk');
  r.observe([cg('/old', 2)], false, 4000);
  t.equal(r.size, 2, 'an incomplete walk forgets nothing it did not reach');
  const after = r.observe([cg('/late', 9)], true, 5000);
  t.same(
    after.get('/late'),
    { sinceStart: 0, lastRejectMs: null },
    'first seen right after an incomplete walk: may be old, counted from here',
  );
  const bounded = new ForkRejections(1);
  bounded.observe([cg('/a', 0), cg('/b', 0), cg('/c', 0)], true, 1);
  bounded.observe([], false, 2);
  t.equal(bounded.size, 1, 'what an incomplete walk keeps is bounded');
});

t.test('the fixture v2 tree: closest to their limit, then the refused-forks set, at most N each', async (t) => {
  const tree = copyTree(V2);
  t.teardown(tree.remove);
  const dir = `${tree.dir}/fs/cgroup/system.slice`;
  const c = new CgroupPidsSelector(createSysfsReader(tree.dir), 2, 1000);
  const first = c.select(1000);
  t.equal(first.error, undefined);
  t.same(first.pids.hierarchy, { version: 2, path: `${tree.dir}/fs/cgroup` });
  t.equal(first.pids.cgroups, 11);
  t.equal(first.paths.length, 11);
  t.same(
    first.pids.selected.map((s) => [s.path, s.current, s.max, s.rejected, s.peak]),
    [
      ['/system.slice/fork-bomb.service', 512, 512, 0, 512],
      [`/system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope`, 98, 100, 0, 100],
    ],
    'fork-bomb (100%) and the docker scope (98%); 1234 refusals from before the start do not count',
  );

  // nginx and huge.service refuse forks; huge's counter was already at 2^64-1 and stays there.
  writeFileSync(`${dir}/nginx.service/pids.events`, 'max 2\n');
  let s = c.select(2000);
  t.same(
    s.pids.selected.map((x) => [x.path, x.rejected]),
    [
      ['/system.slice/fork-bomb.service', 0],
      ['/system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope', 0],
      ['/system.slice/nginx.service', 2],
    ],
  );
  t.equal(s.pids.selected[2]!.peak, 12, 'peak read for the exported');

  writeFileSync(`${tree.dir}/fs/cgroup/init.scope/pids.events`, 'max 1\n');
  writeFileSync(`${tree.dir}/fs/cgroup/kubepods.slice/pids.events`, 'max 5\n');
  s = c.select(3000);
  t.same(
    s.pids.selected.slice(2).map((x) => [x.path, x.rejected]),
    [
      ['/kubepods.slice', 5],
      ['/init.scope', 1],
    ],
    'at most N refusing cgroups, most recent first (then most refusals): nginx makes room',
  );
  t.equal(s.pids.selected.length, 4, 'bounded: 2N');
  t.equal(s.pids.selected.find((x) => x.path === '/init.scope')?.peak, 1);
});

t.test('no hierarchy, or an unlistable one: an error, an empty selection, never a throw', async (t) => {
  const none = new CgroupPidsSelector(createSysfsReader('/nonexistent-sysfs'), 20, 100).select(1);
  t.same(none.pids, {
    hierarchy: null,
    cgroups: 0,
    selected: [],
    skipped: { vanished: 0, permission: 0, malformed: 0, io_error: 0, not_regular: 0, limit: 0 },
  });
  t.match(none.error, /^list \/nonexistent-sysfs\/fs\/cgroup: ENOENT$/);
  const reader = createSysfsReader(V2);
  const listSubdirs = (rel: string): string[] => {
    if (rel === 'fs/cgroup') throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    return reader.listSubdirs(rel);
  };
  const unlistable = new CgroupPidsSelector({ ...reader, listSubdirs }, 20, 100).select(1);
  t.equal(unlistable.error, `list ${V2}/fs/cgroup: EACCES`);
  t.same(unlistable.pids.hierarchy, { version: 2, path: `${V2}/fs/cgroup` });
});
