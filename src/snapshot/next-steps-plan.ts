// Groups the leaking parents' advice for a person: the shared explanation once, then one command per parent, so a
// host with fifty leaking parents gets a list to act on rather than fifty copies of one paragraph.

import {
  advise,
  initAdvice,
  initHoldsZombiesThatStay,
  INIT_MAY_NOT_REAP,
  namespaceInitAdvice,
  OUTSIDE_NAMESPACE,
} from './next-step.js';
import type { Snapshot } from './snapshot.js';

export interface PlannedCommand {
  pid: number;
  comm: string;
  zombies: number;
  /** `kill -TERM <pid>`. */
  command: string;
  /** What stands in the way of this parent reaping now (stopped, D state), or null. */
  note: string | null;
}

export interface NextStepsPlan {
  /** Ordinary leaking parents, most zombies first: each must reap; killing one hands its zombies to init. */
  commands: PlannedCommand[];
  /** Set when there are commands and an init here holds zombies that stay: killing would only move the zombies. */
  caution: string | null;
  /** When PID 1 holds zombies: only fixing init helps. */
  init: { comm: string; zombies: number; text: string } | null;
  /** Containers' inits holding zombies: SIGTERM does nothing to them; restart the container, with an init that reaps. */
  namespaceInits: { pid: number; comm: string; zombies: number; text: string }[];
  /** Zombies whose parent is outside the proc root's PID namespace (pid 0). */
  outside: { zombies: number; text: string } | null;
  /** Parents beyond --zombies.top-parents, which are summed and not listed. */
  unlisted: { parents: number; zombies: number } | null;
}

export function planNextSteps(s: Snapshot): NextStepsPlan {
  const plan: NextStepsPlan = {
    commands: [],
    caution: null,
    init: null,
    namespaceInits: [],
    outside: null,
    unlisted: null,
  };
  for (const p of s.parents) {
    if (p.pid === 1) {
      plan.init = { comm: p.comm, zombies: p.zombies, text: initAdvice(p.heldSeconds) };
    } else if (p.pid === 0) {
      plan.outside = { zombies: p.zombies, text: OUTSIDE_NAMESPACE };
    } else if (p.namespaceInit) {
      plan.namespaceInits.push({ pid: p.pid, comm: p.comm, zombies: p.zombies, text: namespaceInitAdvice(p) });
    } else {
      const advice = advise(p, false);
      plan.commands.push({ pid: p.pid, comm: p.comm, zombies: p.zombies, command: advice.command!, note: advice.note });
    }
  }
  if (plan.commands.length > 0 && initHoldsZombiesThatStay(s.parents)) plan.caution = INIT_MAY_NOT_REAP;
  if (s.otherParents.zombies > 0) plan.unlisted = { parents: s.otherParents.parents, zombies: s.otherParents.zombies };
  return plan;
}
