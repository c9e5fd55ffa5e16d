// Pure parser for /proc/[pid]/cgroup (cgroups(7)): the cgroups a process belongs to, on v1, v2 and hybrid hosts.

import type { Parsed } from '../parsed.js';

export interface CgroupEntry {
  /** Hierarchy id: 0 for the v2 unified hierarchy, a positive number for each v1 hierarchy. */
  hierarchyId: number;
  /** The v1 controllers bound to the hierarchy (`pids`, `cpu,cpuacct` split, `name=systemd`); empty for v2. */
  controllers: string[];
  /** The cgroup's path below the hierarchy's root, e.g. `/system.slice/nginx.service`. */
  path: string;
}

// "hierarchy-ID:controller-list:cgroup-path"; the path is everything after the second colon, since cgroup names
// (directories in cgroupfs) may themselves hold colons.
const LINE = /^(\d+):([^:]*):(.*)$/;

export function parseCgroup(text: string): Parsed<CgroupEntry[]> {
  const entries: CgroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) return { ok: false, failure: 'not a cgroup line' };
    const hierarchyId = Number(m[1]);
    if (!Number.isSafeInteger(hierarchyId)) return { ok: false, failure: 'number out of range' };
    entries.push({ hierarchyId, controllers: m[2] === '' ? [] : m[2]!.split(','), path: m[3]! });
  }
  return entries.length > 0 ? { ok: true, value: entries } : { ok: false, failure: 'empty' };
}

/**
 * The one path that best says where a process runs. On a pure v2 host that is the unified path. On v1 and hybrid
 * hosts the unified line (when present) is only systemd's bookkeeping, so prefer the pids controller's path (the
 * cgroup that limits the process's PIDs, which is what a zombie leak exhausts), then systemd's named hierarchy.
 */
export function primaryCgroupPath(entries: readonly CgroupEntry[]): string | null {
  const v1 = entries.filter((e) => e.hierarchyId !== 0);
  if (v1.length === 0) return entries.find((e) => e.hierarchyId === 0)?.path ?? null;
  const withController = (name: string): CgroupEntry | undefined => v1.find((e) => e.controllers.includes(name));
  return (
    withController('pids') ??
    withController('name=systemd') ??
    entries.find((e) => e.hierarchyId === 0) ??
    v1[0]!
  ).path;
}
