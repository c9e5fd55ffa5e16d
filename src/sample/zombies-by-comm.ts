// Sums zombies by their parent's comm, keeps the programs holding the most and puts the rest in one bucket: a
// program that runs as many processes (php-fpm, gunicorn or celery workers) leaks a few zombies per process, which
// ranking parents by pid hides.

import type { CommZombies } from './sample.js';
import { topN } from './top-n.js';

export interface ZombiesByComm {
  /** The `top` comms holding the most zombies, most first. */
  top: CommZombies[];
  /** Zombies under parents with every other comm; top plus this is every zombie. */
  other: number;
}

const holdsMore = (a: CommZombies, b: CommZombies): boolean =>
  a.zombies !== b.zombies ? a.zombies > b.zombies : a.parents !== b.parents ? a.parents > b.parents : a.comm < b.comm;

/** A parent whose comm can't be read (it exited, hidepid, another PID namespace) counts under comm "". */
export function zombiesByComm(
  parents: Iterable<{ pid: number; zombies: number }>,
  commOf: (pid: number) => string | null,
  top: number,
): ZombiesByComm {
  let total = 0;
  const byComm = new Map<string, CommZombies>();
  for (const p of parents) {
    total += p.zombies;
    if (top <= 0) continue;
    const comm = commOf(p.pid) ?? '';
    const entry = byComm.get(comm);
    if (entry === undefined) byComm.set(comm, { comm, zombies: p.zombies, parents: 1 });
    else {
      entry.zombies += p.zombies;
      entry.parents++;
    }
  }
  const chosen = topN(byComm.values(), top, holdsMore);
  return { top: chosen, other: total - chosen.reduce((n, c) => n + c.zombies, 0) };
}
