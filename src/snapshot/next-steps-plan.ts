// Groups the leaking parents' advice for a person: the shared explanation once, then one command per parent, so a
// host with fifty leaking parents gets a list to act on rather than fifty copies of one paragraph.

import { advise, OUTSIDE_NAMESPACE, initAdvice, INIT_MAY_NOT_REAP } from './next-step.js';
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
  /** Set when there are commands and PID 1 leaves SIGCHLD at its default: killing may only move the zombies. */
  caution: string | null;
  /** When PID 1 holds zombies: only fixing init helps. */
  init: { comm: string; zombies: number; text: string } | null;
  /** Zombies whose parent is outside the proc root's PID namespace (pid 0). */
  outside: { zombies: number; text: string } | null;
  /** Parents beyond --zombies.top-parents, which are summed and not listed. */
  unlisted: { parents: number; zombies: number } | null;
}

export function planNextSteps(s: Snapshot): NextStepsPlan {
  const sigchld = s.init?.sigchldHandled ?? null;
  const plan: NextStepsPlan = { commands: [], caution: null, init: null, outside: null, unlisted: null };
  for (const p of s.parents) {
    if (p.pid === 1) plan.init = { comm: p.comm, zombies: p.zombies, text: initAdvice(sigchld) };
    else if (p.pid === 0) plan.outside = { zombies: p.zombies, text: OUTSIDE_NAMESPACE };
    else {
      const advice = advise(p, sigchld);
      plan.commands.push({ pid: p.pid, comm: p.comm, zombies: p.zombies, command: advice.command!, note: advice.note });
    }
  }
  if (plan.commands.length > 0 && sigchld === false) plan.caution = INIT_MAY_NOT_REAP;
  if (s.otherParents.zombies > 0) plan.unlisted = { parents: s.otherParents.parents, zombies: s.otherParents.zombies };
  return plan;
}
