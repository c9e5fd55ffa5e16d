// Sums zombies per cgroup (their parent's), keeps the cgroups holding the most and puts the rest in one bucket.

import type { CgroupZombies } from './sample.js';
import { topN } from './top-n.js';

/** The cgroup label of zombies whose parent's cgroup could not be read (paths always start with `/`). */
export const UNKNOWN_CGROUP = '';

export interface ZombiesByCgroup {
  /** The `top` cgroups holding the most zombies, most first. */
  top: CgroupZombies[];
  /** Zombies in every other cgroup; top plus this is every zombie. */
  other: number;
}

const holdsMore = (a: CgroupZombies, b: CgroupZombies): boolean =>
  a.zombies !== b.zombies ? a.zombies > b.zombies : a.cgroup < b.cgroup;

/**
 * A zombie counts toward its parent's cgroup. On cgroup v1 the kernel shows every zombie in the root cgroup
 * (proc_cgroup_show prints `/` for an exiting task outside the default hierarchy), so only the parent's cgroup means
 * the same thing on every host; it is also where the fix is (the parent must reap), it joins with
 * proctable_zombie_parent_info, and it costs one read per parent rather than one per zombie.
 */
export function zombiesByCgroup(
  parents: Iterable<{ pid: number; zombies: number }>,
  cgroupOf: (pid: number) => string | null,
  top: number,
): ZombiesByCgroup {
  let total = 0;
  if (top <= 0) {
    for (const p of parents) total += p.zombies;
    return { top: [], other: total };
  }
  const byCgroup = new Map<string, number>();
  for (const p of parents) {
    total += p.zombies;
    const cgroup = cgroupOf(p.pid) ?? UNKNOWN_CGROUP;
    byCgroup.set(cgroup, (byCgroup.get(cgroup) ?? 0) + p.zombies);
  }
  const chosen = topN(
    [...byCgroup].map(([cgroup, zombies]) => ({ cgroup, zombies })),
    top,
    holdsMore,
  );
  return { top: chosen, other: total - chosen.reduce((n, c) => n + c.zombies, 0) };
}
