// The pids cgroups that bound a PID namespace's tasks: the cgroup of the proc root's PID 1 and each ancestor,
// innermost first, with pids.current and pids.max, for the namespace frame of PID usage.

import { parseCgroup, primaryCgroupPath } from '../procfs/parse-proc-cgroup.js';
import type { ProcReader } from '../procfs/reader.js';
import { parsePidsCount, parsePidsMax } from '../sysfs/parse-pids.js';
import { findPidsHierarchy } from '../sysfs/pids-hierarchy.js';
import type { SysfsReader } from '../sysfs/reader.js';

export interface PidsChainLink {
  /** Below the hierarchy root, as /proc/PID/cgroup writes it (`/` is the root of the reader's cgroup namespace). */
  path: string;
  current: number;
  /** +Inf for `max`. */
  max: number;
}

/**
 * Empty when PID 1's cgroup can't be read, names a cgroup outside the exporter's cgroup namespace (`/..`), or the
 * pids controller is not found. A link whose files are missing ends the chain: the real root has none, and inside a
 * container's cgroup namespace the root shown is the container's own cgroup, which has them.
 */
export function readFrameCgroups(proc: ProcReader, sysfs: SysfsReader): PidsChainLink[] {
  let path: string | null;
  try {
    const parsed = parseCgroup(proc.readText('1/cgroup'));
    path = parsed.ok ? primaryCgroupPath(parsed.value) : null;
  } catch {
    return [];
  }
  if (path === null || path.startsWith('/..')) return [];
  const found = findPidsHierarchy(sysfs);
  if (!found.ok) return [];
  const chain: PidsChainLink[] = [];
  for (let at: string | null = path.replace(/ \(deleted\)$/, ''); at !== null; at = parentOf(at)) {
    const dir = `${found.hierarchy.rel}${at === '/' ? '' : at}`;
    try {
      const current = parsePidsCount(sysfs.readSmall(`${dir}/pids.current`));
      const max = parsePidsMax(sysfs.readSmall(`${dir}/pids.max`));
      if (!current.ok || !max.ok) break;
      chain.push({ path: at, current: current.value, max: max.value });
    } catch {
      break;
    }
  }
  return chain;
}

function parentOf(path: string): string | null {
  if (path === '/') return null;
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}
