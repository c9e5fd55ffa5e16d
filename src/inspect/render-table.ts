// inspect's terminal view of a Snapshot: the summary, the leaking parents as a table, notes, and next steps.

import { formatDuration } from '../cli/duration.js';
import {
  counted,
  formatAge,
  formatPercent,
  pidUsageUnknownText,
  sigchldText,
  stateText,
  userText,
  zombieAgeText,
} from '../snapshot/format.js';
import { HAND_TO_INIT, REAP } from '../snapshot/next-step.js';
import { planNextSteps } from '../snapshot/next-steps-plan.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { terminalSafe } from './terminal-safe.js';

export interface TableContext {
  procfsPath: string;
  /** The --watch interval, or null for one look. */
  watchMs: number | null;
}

/** Zombie pids shown under each parent; the JSON carries up to 20, a terminal row reads better with fewer. */
const PIDS_SHOWN = 10;

/** Lays out rows as columns two spaces apart; `right` columns are right-aligned; trailing blanks are dropped. */
function columns(rows: string[][], right: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => Array.from(r[i]!).length)));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - Array.from(cell).length);
        return right.has(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Which limit bounds PID usage, in the frame it is counted in. */
function limitText(p: Snapshot['pids']): string {
  const frame = p.frame === 'namespace' ? "; this PID namespace's tasks, not the host's" : '';
  const which =
    p.limitedBy === 'pids_max'
      ? "limited by its cgroup's pids.max"
      : p.limitedBy === 'threads_max'
        ? `limited by threads-max ${p.threadsMax ?? ''}`
        : `limited by pid_max ${p.pidMax}`;
  return `${which} (${limitsText(p)})${frame}`;
}

const limitsText = (p: Snapshot['pids']): string =>
  `pid_max ${p.pidMax ?? 'unknown'}, threads-max ${p.threadsMax ?? 'unknown'}`;

/** The PIDs headline: usage against the limit, or what it lacked and what is still known. */
function pidsLine(p: Snapshot['pids']): string {
  const unknown = pidUsageUnknownText(p.unknown);
  if (unknown !== null || p.usage === null) {
    const known = [
      p.inUse === null ? null : `${p.inUse} in use`,
      p.pidMax === null ? null : `pid_max ${p.pidMax}`,
      p.threadsMax === null ? null : `threads-max ${p.threadsMax}`,
    ].filter((x) => x !== null);
    return `${unknown ?? 'PID usage unknown'}${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`;
  }
  return `${p.inUse} in use of ${p.limit} (${formatPercent(p.usage)}): ${limitText(p)}`;
}

/** Zombies by parent comm: programs that run as many processes, each leaking a few. */
function commTable(s: Snapshot): string[] {
  const rows = [
    ['PROGRAM', 'PARENTS', 'ZOMBIES'],
    ...s.byComm.map((c) => [terminalSafe(c.comm === '' ? '(unknown)' : c.comm), String(c.parents), String(c.zombies)]),
  ];
  if (s.otherComms > 0) rows.push(['other', '', String(s.otherComms)]);
  return columns(rows, new Set([1, 2]));
}

function parentTable(s: Snapshot): string[] {
  const rows = [['PID', 'COMM', 'STATE', 'USER', 'ZOMBIES', 'OLDEST', 'HELD', 'CGROUP']];
  const zombieLines = new Map<number, string>();
  s.parents.forEach((p, i) => {
    rows.push([
      String(p.pid),
      `${terminalSafe(p.comm)}${p.namespaceInit ? ' [container init]' : ''}`,
      stateText(p.state),
      terminalSafe(userText(p)),
      String(p.zombies),
      zombieAgeText(p.oldestAgeSeconds, p.oldestAgeSource, p.oldestStartedSecondsAgo, s.watchingSeconds),
      formatAge(p.heldSeconds),
      p.cgroup === null ? 'unknown' : terminalSafe(p.cgroup),
    ]);
    const shown = p.zombiePids.slice(0, PIDS_SHOWN).join(' ');
    zombieLines.set(i + 1, `zombies: ${shown}${p.zombies > PIDS_SHOWN ? ` … (${p.zombies - PIDS_SHOWN} more)` : ''}`);
  });
  const o = s.otherParents;
  if (o.zombies > 0)
    rows.push([
      'other',
      counted(o.parents, 'more parent'),
      '',
      '',
      String(o.zombies),
      zombieAgeText(o.oldestAgeSeconds, undefined, null, s.watchingSeconds),
      formatAge(o.heldSeconds),
      '',
    ]);
  const indent = ' '.repeat(Math.max(...rows.map((r) => r[0]!.length)) + 2);
  const out: string[] = [];
  columns(rows, new Set([0, 4])).forEach((line, i) => {
    out.push(line);
    const z = zombieLines.get(i);
    if (z !== undefined) out.push(`${indent}${z}`);
  });
  return out;
}

function notes(s: Snapshot): string[] {
  const out: string[] = [];
  const unreadable = Object.entries(s.skipped).filter(([reason, n]) => reason !== 'vanished' && n > 0);
  if (unreadable.length > 0) {
    const total = unreadable.reduce((n, [, k]) => n + k, 0);
    const which = unreadable.map(([reason, n]) => `${reason} ${n}`).join(', ');
    const hint = s.skipped.permission > 0 ? '; run as root to see them all' : '';
    out.push(`${total} ${total === 1 ? 'process' : 'processes'} could not be read (${which})${hint}.`);
  }
  if (s.pids.inUse !== null && s.pids.visibleTasks < 0.9 * s.pids.inUse) {
    out.push(
      `Only ${s.pids.visibleTasks} of ${s.pids.inUse} tasks are visible here (hidepid, or another PID namespace): zombies among the rest are not counted.`,
    );
  }
  if (s.init === null) out.push('PID 1 is not visible (hidepid, or another PID namespace).');
  for (const e of s.sourceErrors) out.push(`Could not read ${e.source}: ${terminalSafe(e.message)}.`);
  return out;
}

const AGE_NOTE =
  "OLDEST: how long ago the oldest zombie exited, from the kernel's record of its last run (≥ where that can't be\n" +
  'read and it was there at the first look; ≤ bounds it by when its process started). HELD: how long this parent has\n' +
  'held the zombie it has held longest (since it exited, or since it was handed to this parent).';

export function renderTable(s: Snapshot, ctx: TableContext): string {
  const lines: string[] = [];
  const how =
    ctx.watchMs === null
      ? `one look at ${s.processes.total} processes in ${(s.durationSeconds * 1000).toFixed(1)} ms`
      : `every ${formatDuration(ctx.watchMs)}, watching for ${formatAge(s.watchingSeconds)}; Ctrl-C to stop`;
  lines.push(`zombie-exporter inspect: ${terminalSafe(ctx.procfsPath)} at ${s.time} (${how})`, '');

  const z = s.zombies;
  const p = s.pids;
  const init = s.init;
  lines.push(
    `Zombies  ${z.total} under ${counted(z.parents, 'parent')}; ${counted(z.leadersWithThreads, 'exited leader')} with live threads (not reapable yet, not counted)`,
    `PIDs     ${pidsLine(p)}`,
    init === null
      ? 'PID 1    not visible'
      : `PID 1    ${terminalSafe(init.comm)}: holds ${init.zombies} adopted ${init.zombies === 1 ? 'zombie' : 'zombies'}${init.zombies > 0 ? ` (held up to ${formatAge(init.heldSeconds)})` : ''}; ${sigchldText(init.sigchld)}; CPU ${init.userCpuSeconds.toFixed(2)}s user, ${init.systemCpuSeconds.toFixed(2)}s system`,
    '',
  );

  if (z.total === 0) lines.push('No zombies.');
  else {
    lines.push(...parentTable(s), '', AGE_NOTE);
    if (s.byComm.some((c) => c.parents > 1)) lines.push('', ...commTable(s));
  }
  const n = notes(s);
  if (n.length > 0) lines.push('', 'Notes:', ...n.map((x) => `  ${x}`));
  if (z.total > 0)
    lines.push('', 'Next steps (inspect never kills anything; these are for you to run):', ...nextSteps(s));
  return `${lines.join('\n')}\n`;
}

/** Width advice wraps at: long enough for a command, short enough for a laptop terminal. */
const WRAP = 100;

/** Word-wraps text to `width` columns (a word longer than that gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (Array.from(candidate).length > width && line !== '') {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  lines.push(line);
  return lines;
}

/** The plan as text: the shared advice once, then the commands, aligned so they can be copied as they are. */
function nextSteps(s: Snapshot): string[] {
  const plan = planNextSteps(s);
  const out: string[] = [];
  const para = (text: string): void => void out.push(...wrap(text, WRAP - 2).map((l) => `  ${l}`));
  if (plan.commands.length > 0) {
    para(`Each parent below ${REAP} Killing one hands its zombies ${HAND_TO_INIT}`);
    const width = Math.max(...plan.commands.map((c) => c.command.length));
    for (const c of plan.commands) {
      const about = `${terminalSafe(c.comm)}: ${counted(c.zombies, 'zombie')}${c.note === null ? '' : `. ${c.note}`}`;
      out.push(`    ${c.command.padEnd(width)}  # ${about}`);
    }
    if (plan.caution !== null) para(plan.caution);
  }
  if (plan.init !== null)
    para(
      `PID 1 (${terminalSafe(plan.init.comm)}) holds ${plan.init.zombies} adopted ${plan.init.zombies === 1 ? 'zombie' : 'zombies'}. ${plan.init.text}`,
    );
  for (const n of plan.namespaceInits)
    para(`${terminalSafe(n.comm)} (pid ${n.pid}) holds ${counted(n.zombies, 'zombie')}. ${n.text}`);
  if (plan.outside !== null) para(`${counted(plan.outside.zombies, 'zombie')}: ${plan.outside.text}`);
  if (plan.unlisted !== null) {
    const { parents, zombies } = plan.unlisted;
    para(
      `${counted(parents, 'more parent')} ${parents === 1 ? 'holds' : 'hold'} ${counted(zombies, 'zombie')}, not listed: raise --zombies.top-parents to see ${parents === 1 ? 'it' : 'them'}.`,
    );
  }
  return out;
}
