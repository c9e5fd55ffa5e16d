// The advice for one leaking parent: who has to act, and what hands its zombies to a reaper. Advice only: nothing
// in this project ever sends a signal.

import { counted } from './format.js';

export interface LeakingParent {
  pid: number;
  /** The parent's own state letter; null when unknown. */
  state: string | null;
  zombies: number;
}

/**
 * A zombie goes away only when its parent reaps it, or when the parent dies and the zombie is re-parented to init
 * (or the nearest child subreaper), which reaps it. So the parent must be fixed, killing it frees the PIDs now,
 * and when the parent is PID 1 nothing but fixing init helps. `initSigchldHandled` false means PID 1 leaves SIGCHLD
 * at its default and likely never reaps what it adopts, which makes killing a parent merely move the zombies.
 */
export function nextStep(parent: LeakingParent, initSigchldHandled: boolean | null): string {
  const { pid, state, zombies } = parent;
  if (pid === 1) {
    const why =
      initSigchldHandled === false
        ? ' This PID 1 leaves SIGCHLD at its default, so it never reaps: run a real init as PID 1 (tini, dumb-init, `docker run --init`) and restart the container.'
        : ' A working init reaps within milliseconds: if the count stays or grows, init is broken; fix it, or restart the container or host.';
    return `PID 1 adopted these orphans and has not reaped them. Only fixing init helps: killing PID 1 ends its container (or panics the host).${why}`;
  }
  if (pid === 0) {
    return "The parent is outside this proc root's PID namespace: run inspect with --path.procfs set to the host's /proc to find it.";
  }
  let before = '';
  if (state === 'T' || state === 't') before = `It is stopped (${state}), so it can't reap: \`kill -CONT ${pid}\` lets it run again. `;
  else if (state === 'D') before = "It is in uninterruptible sleep (D): it can't reap, or die, until that I/O completes. ";
  const after =
    initSigchldHandled === false ? ' Careful: PID 1 here leaves SIGCHLD at its default, so it may not reap them either.' : '';
  return (
    `${before}It must reap its children (wait() for them, or set SIGCHLD to SIG_IGN): fix or restart it. ` +
    `\`kill -TERM ${pid}\` hands its ${counted(zombies, 'zombie')} to init (or the nearest subreaper), which reaps them.${after}`
  );
}
