// The advice for leaking parents: who has to act, and what hands the zombies to a reaper. Advice only: nothing in
// this project ever sends a signal.

import { counted } from './format.js';

export interface LeakingParent {
  pid: number;
  /** The parent's own state letter; null when unknown. */
  state: string | null;
  zombies: number;
}

export interface Advice {
  /** The command that frees the zombies' PIDs now, for the person on call to run; null when none helps. */
  command: string | null;
  /** What stands in the way of this parent reaping right now (stopped, D state); null when nothing does. */
  note: string | null;
  /** The whole advice as one paragraph. */
  text: string;
}

/*
 * A zombie goes away only when its parent reaps it, or when the parent dies and the zombie is re-parented to init
 * (or the nearest child subreaper), which reaps it. So the parent must be fixed, killing it frees the PIDs now,
 * and when the parent is PID 1 nothing but fixing init helps. A PID 1 that leaves SIGCHLD at its default likely
 * never reaps what it adopts, which makes killing a parent merely move its zombies.
 */
export const REAP = 'must reap its children (wait() for them, or set SIGCHLD to SIG_IGN): fix or restart it.';
export const HAND_TO_INIT = 'to init (or the nearest subreaper), which reaps them.';
export const INIT_MAY_NOT_REAP = 'Careful: PID 1 here leaves SIGCHLD at its default, so it may not reap them either.';

/** What to do about zombies held by PID 1 (said after saying that it holds them). */
export function initAdvice(initSigchldHandled: boolean | null): string {
  const why =
    initSigchldHandled === false
      ? 'This PID 1 leaves SIGCHLD at its default, so it never reaps: run a real init as PID 1 (tini, dumb-init, `docker run --init`) and restart the container.'
      : 'A working init reaps within milliseconds: if the count stays or grows, init is broken; fix it, or restart the container or host.';
  return `Only fixing init helps: killing PID 1 ends its container (or panics the host). ${why}`;
}

export const OUTSIDE_NAMESPACE =
  "The parent is outside this proc root's PID namespace: run inspect with --path.procfs set to the host's /proc to find it.";

export function advise(parent: LeakingParent, initSigchldHandled: boolean | null): Advice {
  const { pid, state, zombies } = parent;
  if (pid === 1)
    return {
      command: null,
      note: null,
      text: `PID 1 adopted these orphans and has not reaped them. ${initAdvice(initSigchldHandled)}`,
    };
  if (pid === 0) return { command: null, note: null, text: OUTSIDE_NAMESPACE };
  let note: string | null = null;
  if (state === 'T' || state === 't')
    note = `It is stopped (${state}), so it can't reap: \`kill -CONT ${pid}\` lets it run again.`;
  else if (state === 'D') note = "It is in uninterruptible sleep (D): it can't reap, or die, until that I/O completes.";
  const command = `kill -TERM ${pid}`;
  const text = [
    note,
    `It ${REAP}`,
    `\`${command}\` hands its ${counted(zombies, 'zombie')} ${HAND_TO_INIT}`,
    initSigchldHandled === false ? INIT_MAY_NOT_REAP : null,
  ]
    .filter((s) => s !== null)
    .join(' ');
  return { command, note, text };
}
