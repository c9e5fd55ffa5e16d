// The advice for leaking parents: who has to act, and what hands the zombies to a reaper. Advice only: nothing in
// this project ever sends a signal.

import type { ZombieParent } from '../sample/sample.js';
import { counted, formatAge } from './format.js';

export interface LeakingParent {
  pid: number;
  /** The parent's own state letter; null when unknown. */
  state: string | null;
  zombies: number;
  /** PID 1 of a PID namespace below this view (a container's init). */
  namespaceInit: boolean;
  /** The container its cgroup names, if any. */
  containerId: string | null;
  /** How long it has held the zombie it has held longest. */
  heldSeconds: number;
}

export interface Advice {
  /** The command that frees the zombies' PIDs now, for the person on call to run; null when none helps. */
  command: string | null;
  /** What stands in the way of this parent reaping right now (stopped, D state); null when nothing does. */
  note: string | null;
  /** The whole advice as one paragraph. */
  text: string;
}

/**
 * How long an init may hold a zombie before it counts as not reaping. A working init reaps an adopted orphan within
 * milliseconds, a slow one within a minute or so; two minutes is what the InitNotReaping alerts judge on too
 * (deploy/prometheus/zombie-exporter-alerts.yml), so the advice and the page never disagree with them.
 */
export const INIT_STUCK_SECONDS = 120;

/*
 * A zombie goes away only when its parent reaps it, or when the parent dies and the zombie is re-parented to its PID
 * namespace's init (or the nearest child subreaper in that namespace), which reaps it. So the parent must be fixed,
 * killing it frees the PIDs now, and when the parent is an init nothing but fixing or restarting that init helps.
 * Whether an init reaps is judged only by what it does (zombies that stay under it), never by its signal masks.
 */
export const REAP = 'must reap its children (wait() for them, or set SIGCHLD to SIG_IGN): fix or restart it.';
export const HAND_TO_INIT = "to its PID namespace's init (or the nearest subreaper), which reaps them.";
export const INIT_MAY_NOT_REAP =
  'Careful: an init here holds zombies that stay, so zombies handed to it would stay too; fix that init first.';

/** Whether PID 1 or a namespace init among the listed parents holds a zombie it has not reaped for long. */
export function initHoldsZombiesThatStay(
  parents: readonly Pick<ZombieParent, 'pid' | 'zombies' | 'heldSeconds' | 'namespaceInit'>[],
): boolean {
  return parents.some(
    (p) => (p.pid === 1 || p.namespaceInit === true) && p.zombies > 0 && p.heldSeconds > INIT_STUCK_SECONDS,
  );
}

/** What to do about zombies held by the view's PID 1 (said after saying that it holds them). */
export function initAdvice(heldSeconds: number): string {
  const how =
    heldSeconds > INIT_STUCK_SECONDS
      ? `It has held one for ${formatAge(heldSeconds)}, so it is not reaping: run a real init as PID 1 (tini, catatonit, \`docker run --init\`), or make this one reap (a SIGCHLD handler that calls wait(), SIG_IGN, or a double fork), and restart it.`
      : 'A working init reaps within seconds: if they stay, init is not reaping; fix it, or restart the container or host.';
  return `Only fixing init helps: killing PID 1 ends its container (or panics the host). ${how}`;
}

/** What to do about a container's init that holds zombies. */
export function namespaceInitAdvice(parent: Pick<LeakingParent, 'pid' | 'containerId' | 'heldSeconds'>): string {
  const which = parent.containerId === null ? 'its container' : `container ${parent.containerId.slice(0, 12)}`;
  const held =
    parent.heldSeconds > INIT_STUCK_SECONDS
      ? ` It has held one for ${formatAge(parent.heldSeconds)}: it is not reaping.`
      : '';
  return [
    `It is PID 1 of a PID namespace (${which}'s first process): the kernel hands it every orphan there, and it ignores SIGTERM, so \`kill -TERM ${parent.pid}\` does nothing.${held}`,
    `Restart ${which} (or delete its pod) to free the PIDs, and run it with an init that reaps: \`docker run --init\`, tini or catatonit as its entrypoint, or \`shareProcessNamespace: true\` in the pod spec, which makes the pause process PID 1.`,
    'In the program itself: a SIGCHLD handler that calls wait(), SIGCHLD set to SIG_IGN, or a double fork.',
  ].join(' ');
}

export const OUTSIDE_NAMESPACE =
  "The parent is outside this proc root's PID namespace: run inspect with --path.procfs set to the host's /proc to find it.";

export function advise(parent: LeakingParent, initStuck: boolean): Advice {
  const { pid, state, zombies } = parent;
  if (pid === 1) {
    return {
      command: null,
      note: null,
      text: `PID 1 adopted these orphans and has not reaped them. ${initAdvice(parent.heldSeconds)}`,
    };
  }
  if (pid === 0) return { command: null, note: null, text: OUTSIDE_NAMESPACE };
  if (parent.namespaceInit) return { command: null, note: null, text: namespaceInitAdvice(parent) };
  let note: string | null = null;
  if (state === 'T' || state === 't') {
    note = `It is stopped (${state}), so it can't reap: \`kill -CONT ${pid}\` lets it run again.`;
  } else if (state === 'D')
    note = "It is in uninterruptible sleep (D): it can't reap, or die, until that I/O completes.";
  const command = `kill -TERM ${pid}`;
  const text = [
    note,
    `It ${REAP}`,
    `\`${command}\` hands its ${counted(zombies, 'zombie')} ${HAND_TO_INIT}`,
    initStuck ? INIT_MAY_NOT_REAP : null,
  ]
    .filter((s) => s !== null)
    .join(' ');
  return { command, note, text };
}
