// The hierarchy detection and the walk on fixture sysfs trees (v2; v1 on a hybrid host), checked against a scan of
// the fixture files done another way (find + regexes), and on generated trees for the bounds and odd layouts.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MAX_DEPTH, walkCgroups } from '../../src/sysfs/cgroup-walk.js';
import { findPidsHierarchy, listsPids } from '../../src/sysfs/pids-hierarchy.js';
import { createSysfsReader, type SysfsReader } from '../../src/sysfs/reader.js';
import { copyTree, FIXTURES } from '../helpers/fixtures.js';

const V1 = `${FIXTURES}/sys/v1`;
const V2 = `${FIXTURES}/sys/v2`;

/** Ground truth: every directory below root with readable, well-formed pids.current and pids.max files. */
function scan(root: string, prune: boolean): { path: string; current: number; max: number; rejected: number | null }[] {
  const out: { path: string; current: number; max: number; rejected: number | null }[] = [];
  const visit = (dir: string, path: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const sub = join(dir, name);
      if (!statSync(sub).isDirectory()) continue;
      const file = (f: string): string | undefined => {
        try {
          return readFileSync(join(sub, f), 'utf8');
        } catch {
          return undefined;
        }
      };
      const current = file('pids.current');
      if (current === undefined && prune) continue;
      const max = file('pids.max');
      const events = file('pids.events');
      if (current !== undefined && /^\d+\n$/.test(current) && max !== undefined) {
        out.push({
          path: `${path}/${name}`,
          current: Number(current),
          max: max.trim() === 'max' ? Infinity : Number(max),
          rejected: events === undefined ? null : Number(/^max (\d+)$/m.exec(events)![1]),
        });
      }
      visit(sub, `${path}/${name}`);
    }
  };
  visit(root, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

const byPath = <T extends { path: string }>(list: T[]): T[] => [...list].sort((a, b) => (a.path < b.path ? -1 : 1));

t.test('cgroup v2: found at fs/cgroup, every pids cgroup read, disabled subtrees not entered', async (t) => {
  const reader = createSysfsReader(V2);
  const found = findPidsHierarchy(reader);
  t.same(found, { ok: true, hierarchy: { version: 2, rel: 'fs/cgroup' } });
  if (!found.ok) return;
  const walk = walkCgroups(reader, found.hierarchy);
  t.same(byPath(walk.cgroups), scan(`${V2}/fs/cgroup`, true), 'the scan agrees');
  t.equal(walk.cgroups.length, 11);
  t.notOk(
    walk.cgroups.some((c) => c.path.startsWith('/user.slice')),
    'user.slice has the controller off: not entered',
  );
  t.same(
    walk.cgroups.find((c) => c.path === '/system.slice/fork-bomb.service'),
    {
      path: '/system.slice/fork-bomb.service',
      current: 512,
      max: 512,
      rejected: 1234,
    },
  );
  t.equal(
    walk.cgroups.find((c) => c.path === '/system.slice/no-events.service')?.rejected,
    null,
    'no pids.events: unknown, still read',
  );
  t.equal(
    walk.cgroups.find((c) => c.path === '/system.slice/huge.service')?.rejected,
    // eslint-disable-next-line no-loss-of-precision -- 2^64-1 as the kernel prints it: the parser must give back the nearest double
    18446744073709551615,
    'a 2^64-1 counter, not wrapped',
  );
  t.equal(walk.cgroups.find((c) => c.path === '/init.scope')?.max, Infinity, '"max" is +Inf');
  t.same(
    walk.skipped,
    { vanished: 0, permission: 0, malformed: 1, io_error: 0, not_regular: 0, limit: 0 },
    'garbled.service is malformed',
  );
  t.equal(walk.complete, true);
});

t.test('cgroup v1 on a hybrid host: the unified mount has no controllers, so pids is found in v1', async (t) => {
  const reader = createSysfsReader(V1);
  const found = findPidsHierarchy(reader);
  t.same(found, { ok: true, hierarchy: { version: 1, rel: 'fs/cgroup/pids' } });
  if (!found.ok) return;
  const walk = walkCgroups(reader, found.hierarchy);
  t.same(byPath(walk.cgroups), scan(`${V1}/fs/cgroup/pids`, false), 'the scan agrees');
  t.same(
    walk.cgroups.map((c) => c.path),
    [
      '/docker',
      '/docker/31cb02944da7a12196a193cf0e0f6c226d7c453a1db62e65ba98287593a2ee30',
      '/kubepods',
      '/kubepods/burstable',
      '/kubepods/burstable/poda36d0c1d-0b26-4451-8d80-9c195e004afa',
      '/kubepods/burstable/poda36d0c1d-0b26-4451-8d80-9c195e004afa/5dd96d5394ca930a854a390ea46f7515a8bc930123eb3251ba20f2708a38fc61',
      '/user.slice',
    ].filter((p) => walk.cgroups.some((c) => c.path === p)),
    'depth first, parents before children',
  );
  t.equal(walk.skipped.vanished, 1, 'missing-max: pids.max gone (ENOENT), as when a cgroup is removed mid-walk');
});

t.test('other layouts: v2 on the unified mount, a co-mounted v1 hierarchy, none at all', async (t) => {
  const tree = copyTree(V1);
  t.teardown(tree.remove);
  const reader = createSysfsReader(tree.dir);
  writeFileSync(`${tree.dir}/fs/cgroup/unified/cgroup.controllers`, 'pids\n');
  t.same(findPidsHierarchy(reader), { ok: true, hierarchy: { version: 2, rel: 'fs/cgroup/unified' } });
  writeFileSync(`${tree.dir}/fs/cgroup/unified/cgroup.controllers`, '');
  mkdirSync(`${tree.dir}/fs/cgroup/cpu,pids`);
  writeFileSync(`${tree.dir}/fs/cgroup/cpu,pids/cgroup.sane_behavior`, '0\n');
  t.same(
    findPidsHierarchy(reader),
    { ok: true, hierarchy: { version: 1, rel: 'fs/cgroup/pids' } },
    'the plain name first',
  );
  t.same(findPidsHierarchy(createSysfsReader(`${tree.dir}/fs/cgroup/cpu,pids`)), {
    ok: false,
    reason: `list ${tree.dir}/fs/cgroup/cpu,pids/fs/cgroup: ENOENT`,
  });
  t.same(findPidsHierarchy(createSysfsReader(`${tree.dir}/fs/cgroup/memory`)).ok, false);
  t.ok(listsPids('cpuset cpu io memory pids\n'));
  t.notOk(listsPids('cpuset pidsx\n'));
});

t.test('a v2 cgroup called "pids" is not mistaken for a v1 hierarchy', async (t) => {
  const tree = copyTree(V2);
  t.teardown(tree.remove);
  writeFileSync(`${tree.dir}/fs/cgroup/cgroup.controllers`, 'cpu memory\n');
  mkdirSync(`${tree.dir}/fs/cgroup/pids`);
  t.same(findPidsHierarchy(createSysfsReader(tree.dir)), {
    ok: false,
    reason: `no cgroup hierarchy with the pids controller under ${tree.dir}/fs/cgroup`,
  });
});

t.test('bounded: past the depth or count limit nothing more is read, and it is counted', async (t) => {
  const tree = copyTree(V2);
  t.teardown(tree.remove);
  let dir = `${tree.dir}/fs/cgroup/deep.slice`;
  for (let depth = 1; depth <= MAX_DEPTH + 2; depth++) {
    mkdirSync(dir);
    writeFileSync(`${dir}/pids.current`, '1\n');
    writeFileSync(`${dir}/pids.max`, 'max\n');
    dir += `/d${depth}`;
  }
  const reader = createSysfsReader(tree.dir);
  const hierarchy = { version: 2 as const, rel: 'fs/cgroup' };
  const deep = walkCgroups(reader, hierarchy);
  t.equal(deep.cgroups.filter((c) => c.path.startsWith('/deep.slice')).length, MAX_DEPTH);
  t.equal(deep.skipped.limit, 1, 'the first level too deep, and nothing below it');
  t.equal(deep.complete, false);

  const few = walkCgroups(reader, hierarchy, { maxCgroups: 5, maxDepth: MAX_DEPTH });
  t.equal(few.cgroups.length, 5);
  t.ok(few.skipped.limit >= 1);
  t.equal(few.complete, false);
});

t.test('unreadable files and directories are skipped by reason; an unlistable root throws', async (t) => {
  const base = createSysfsReader(V2);
  const faulty = (fault: (rel: string) => string | undefined): SysfsReader => ({
    root: base.root,
    listSubdirs: (rel) => {
      const code = fault(`${rel}/`);
      if (code) throw Object.assign(new Error(code), { code });
      return base.listSubdirs(rel);
    },
    readSmall: (rel) => {
      const code = fault(rel);
      if (code) throw Object.assign(new Error(code), { code });
      return base.readSmall(rel);
    },
  });
  const hierarchy = { version: 2 as const, rel: 'fs/cgroup' };
  const walk = walkCgroups(
    faulty((rel) =>
      rel.endsWith('nginx.service/pids.max')
        ? 'EACCES'
        : rel.endsWith('init.scope/pids.events')
          ? 'EIO'
          : rel === 'fs/cgroup/kubepods.slice/'
            ? 'EMFILE'
            : undefined,
    ),
    hierarchy,
  );
  t.same(walk.skipped, { vanished: 0, permission: 1, malformed: 1, io_error: 2, not_regular: 0, limit: 0 });
  t.equal(walk.complete, false, 'kubepods.slice could not be listed: its subtree is unread');
  t.ok(
    walk.cgroups.some((c) => c.path === '/kubepods.slice'),
    'the cgroup itself was read',
  );
  t.throws(
    () =>
      walkCgroups(
        faulty((rel) => (rel === 'fs/cgroup/' ? 'EACCES' : undefined)),
        hierarchy,
      ),
    { code: 'EACCES' },
  );
});

t.test('a cgroup file that is a FIFO is skipped as not_regular, never read', async (t) => {
  const tree = copyTree(V2);
  t.teardown(tree.remove);
  const file = `${tree.dir}/fs/cgroup/system.slice/nginx.service/pids.max`;
  rmSync(file);
  // Nobody writes to it: a blocking open() would stall the walk, and the sample with it, for good.
  execFileSync('mkfifo', [file]);
  const walk = walkCgroups(createSysfsReader(tree.dir), { version: 2, rel: 'fs/cgroup' });
  t.equal(walk.skipped.not_regular, 1);
  t.notOk(
    walk.cgroups.some((c) => c.path === '/system.slice/nginx.service'),
    'the cgroup is left out rather than guessed at',
  );
  t.ok(walk.cgroups.length > 3, 'the rest of the hierarchy is read');
});
