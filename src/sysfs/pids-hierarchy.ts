// Finds the cgroup hierarchy that carries the pids controller under a sysfs root: v2 (unified) or v1, whichever it is.

import { errnoText } from '../errors.js';
import type { SysfsReader } from './reader.js';

export interface PidsHierarchy {
  /** 2 for the unified hierarchy (cgroup2), 1 for a v1 hierarchy with the pids controller bound. */
  version: 1 | 2;
  /** Its root, relative to the sysfs root: `fs/cgroup`, `fs/cgroup/unified` or `fs/cgroup/pids`. */
  rel: string;
}

export type PidsHierarchyResult = { ok: true; hierarchy: PidsHierarchy } | { ok: false; reason: string };

/** Whether a cgroup.controllers file (space-separated names) lists the pids controller. */
export function listsPids(controllers: string): boolean {
  return controllers.split(/\s+/).includes('pids');
}

/**
 * Looks where systemd and container runtimes mount cgroups. A controller is bound to one hierarchy at a time, so the
 * first that has it is the one: cgroup2 at fs/cgroup (pure v2 hosts), cgroup2 at fs/cgroup/unified with pids moved
 * to it (hybrid hosts, rare), then a v1 hierarchy whose directory name lists pids (`pids`, or a co-mount such as
 * `cpu,pids`). A hybrid host whose unified mount lists no controllers (this project's CI machine) falls through to
 * v1, where pids actually is.
 */
export function findPidsHierarchy(reader: SysfsReader): PidsHierarchyResult {
  for (const rel of ['fs/cgroup', 'fs/cgroup/unified']) {
    let controllers: string;
    try {
      controllers = reader.readSmall(`${rel}/cgroup.controllers`);
    } catch {
      continue; // not a cgroup2 mount
    }
    if (listsPids(controllers)) return { ok: true, hierarchy: { version: 2, rel } };
  }
  let names: string[];
  try {
    names = reader.listSubdirs('fs/cgroup');
  } catch (err) {
    return { ok: false, reason: `list ${reader.root}/fs/cgroup: ${errnoText(err)}` };
  }
  const candidates = names.filter((n) => n.split(',').includes('pids')).sort((a, b) => a.length - b.length);
  for (const name of candidates) {
    const rel = `fs/cgroup/${name}`;
    try {
      // Only the root of a v1 hierarchy has cgroup.sane_behavior: a v2 cgroup that happens to be called "pids" does not.
      reader.readSmall(`${rel}/cgroup.sane_behavior`);
      return { ok: true, hierarchy: { version: 1, rel } };
    } catch {
      // not a v1 hierarchy root
    }
  }
  return { ok: false, reason: `no cgroup hierarchy with the pids controller under ${reader.root}/fs/cgroup` };
}
