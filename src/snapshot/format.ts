// Text for numbers the page and inspect both show: ages, age bounds, percentages, counted nouns.

import type { ExitTimeSource } from '../sample/sample.js';

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

/**
 * How long a parent's oldest zombie has been one, as well as it is known. An age from its exit event (source event)
 * or the kernel's record of the zombie's last run (source sched) is its age. One counted from first sight is exact to an interval when the zombie
 * appeared while watching, only a lower bound (≥) when it was already there at the first sample, or in a one-shot
 * look; its process's start time gives an upper bound (≤), since it exited after it started.
 */
export function zombieAgeText(
  ageSeconds: number,
  source: ExitTimeSource | undefined,
  startedSecondsAgo: number | null | undefined,
  watchingSeconds: number,
): string {
  if (source === 'sched' || source === 'event') return formatAge(ageSeconds);
  if (watchingSeconds > 0 && ageSeconds < watchingSeconds) return formatAge(ageSeconds);
  const bounds: string[] = [];
  if (watchingSeconds > 0) bounds.push(`≥${formatAge(ageSeconds)}`);
  if (startedSecondsAgo !== null && startedSecondsAgo !== undefined) bounds.push(`≤${formatAge(startedSecondsAgo)}`);
  return bounds.length > 0 ? bounds.join(' ') : 'unknown';
}

/** The host files PID usage is worked out from, as the kernel names them (the source is threads_max, the file threads-max). */
const PID_USAGE_FILES: Readonly<Record<string, string>> = {
  loadavg: 'loadavg',
  pid_max: 'pid_max',
  threads_max: 'threads-max',
};

/**
 * "PID usage unknown: pid_max unreadable" (or "loadavg and pid_max"), the one line every view leads its PID figures
 * with when a file they need could not be read; null when nothing is missing.
 */
export function pidUsageUnknownText(unknown: readonly string[]): string | null {
  if (unknown.length === 0) return null;
  const names = unknown.map((u) => PID_USAGE_FILES[u] ?? u);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
  return `PID usage unknown: ${list} unreadable`;
}

/** A ratio as a percentage with one decimal, e.g. 0.01373 -> "1.4%". */
export function formatPercent(ratio: number): string {
  return `${(100 * ratio).toFixed(1)}%`;
}

/** "1 zombie", "3 zombies". */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** What each state letter means (proc(5)), so nobody has to look it up mid-incident. */
const STATE_NAMES: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk sleep',
  Z: 'zombie',
  T: 'stopped',
  t: 'tracing stop',
  X: 'dead',
  I: 'idle',
  P: 'parked',
  W: 'paging',
  K: 'wakekill',
  x: 'dead',
};

/** "S sleeping", or "unknown" when the state could not be read. */
export function stateText(state: string | null): string {
  if (state === null) return 'unknown';
  const name = STATE_NAMES[state];
  return name === undefined ? state : `${state} ${name}`;
}

/** The user name, else the bare uid, else "unknown". */
export function userText(parent: { uid: number | null; user: string | null }): string {
  return parent.user ?? (parent.uid === null ? 'unknown' : `uid ${parent.uid}`);
}

/**
 * What PID 1's masks say of SIGCHLD, in words that claim no more than they show: a default disposition reaps fine
 * with wait(), and a handler may never call it. Whether it reaps is what the zombies it holds say.
 */
export function sigchldText(sigchld: { ignored: boolean; caught: boolean; blocked: boolean } | null): string {
  if (sigchld === null) return 'SIGCHLD disposition unknown';
  if (sigchld.ignored) return 'SIGCHLD ignored (the kernel reaps its children)';
  const held = [sigchld.blocked ? 'blocked' : null, sigchld.caught ? 'caught' : null].filter((x) => x !== null);
  return held.length > 0 ? `SIGCHLD ${held.join(' and ')}` : 'SIGCHLD at its default';
}
