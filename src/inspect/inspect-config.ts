// `inspect` flags -> frozen InspectOptions, with the daemon's names for shared flags and one-line errors.

import { parseArgs } from 'node:util';
import { FLAGS, parseTopParents } from '../cli/config.js';
import { parseDuration } from '../cli/duration.js';
import { describeFlagError } from '../cli/flag-errors.js';
import { usageError } from '../errors.js';
import type { Thresholds } from './check.js';

export interface InspectOptions {
  readonly procfsPath: string;
  readonly topParents: number;
  readonly json: boolean;
  /** Repeat every this many ms; null for one look. */
  readonly watchMs: number | null;
  readonly thresholds: Readonly<Thresholds>;
}

export type ParsedInspectCommandLine = { kind: 'help' } | { kind: 'run'; options: InspectOptions };

const MIN_WATCH_MS = 100;

/** [flag, placeholder, help], in --help order. */
const HELP: readonly [string, string, string][] = [
  ['path.procfs', 'DIR', `${FLAGS['path.procfs'].help} Default: ${FLAGS['path.procfs'].default}`],
  [
    'zombies.top-parents',
    'N',
    `Parents with the most zombies to list in detail (0-1000); PID 1 is listed when it holds any. Default: ${FLAGS['zombies.top-parents'].default}`,
  ],
  ['json', '', 'Print the snapshot as JSON: the shape of GET /api/v1/snapshot (one object per line with --watch).'],
  [
    'watch',
    'DURATION',
    'Look again every DURATION (e.g. 2s), redrawing in place, until Ctrl-C; ages then count from the first look.',
  ],
  ['warn.zombies', 'N', 'Check mode: WARNING (exit 1) when more than N zombies.'],
  ['crit.zombies', 'N', 'Check mode: CRITICAL (exit 2) when more than N zombies.'],
  [
    'warn.pid-usage',
    'RATIO',
    'Check mode: WARNING when PIDs in use exceed RATIO of min(pid_max, threads-max): 0.85 or 85%.',
  ],
  ['crit.pid-usage', 'RATIO', 'Check mode: CRITICAL when PIDs in use exceed RATIO of the limit.'],
];

export function inspectHelpText(program: string): string {
  const lines = [
    `usage: ${program} inspect [<flags>]`,
    '',
    'One look at the zombies and PID usage of this host, for a person at a terminal or a monitoring check: the',
    'leaking parents with their zombies, owner and cgroup, PID 1, and what to do next. It never kills anything.',
    'With any --warn.*/--crit.* flag it is a Nagios-style check: one status line, exit 0 OK, 1 WARNING, 2 CRITICAL,',
    '3 UNKNOWN. Without them it exits 0, or 3 when it could not look (a bad flag, an unreadable proc root).',
    '',
    'Flags:',
    '  -h, --help                     Show this help and exit.',
  ];
  for (const [name, placeholder, help] of HELP) {
    lines.push(`${`      --${name}${placeholder === '' ? '' : `=${placeholder}`}`.padEnd(33)}${help}`);
  }
  return `${lines.join('\n')}\n`;
}

/** True when argv asks for check mode, so that even a flag error can answer in the check's format. */
export function wantsCheck(argv: readonly string[]): boolean {
  return argv.some((a) => /^--(warn|crit)\./.test(a));
}

function parseCount(flag: string, text: string): number {
  if (!/^\d{1,9}$/.test(text))
    throw usageError(`--${flag}: invalid value "${text}" (want a whole number of zombies, e.g. 0 or 50)`);
  return Number(text);
}

/** 0.85 and 85% both mean 85% of the limit. */
function parseRatio(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  const ratio = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : NaN;
  if (!(ratio >= 0 && ratio <= 1))
    throw usageError(`--${flag}: invalid value "${text}" (want a ratio from 0 to 1, or a percentage: 0.85 or 85%)`);
  return ratio;
}

function notBelow(
  critFlag: string,
  crit: number | undefined,
  warnFlag: string,
  warn: number | undefined,
  show: (n: number) => string,
): void {
  if (crit !== undefined && warn !== undefined && crit < warn) {
    throw usageError(
      `--${critFlag}=${show(crit)} is below --${warnFlag}=${show(warn)} (critical must be the higher level)`,
    );
  }
}

/** Parses inspect's argv (after the word `inspect`); throws an ExporterError with code 'usage' on bad input. */
export function parseInspectCommandLine(argv: readonly string[]): ParsedInspectCommandLine {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        ...Object.fromEntries(
          HELP.filter(([, placeholder]) => placeholder !== '').map(([name]) => [name, { type: 'string' as const }]),
        ),
      },
    }));
  } catch (err) {
    throw usageError(describeFlagError(err, 'inspect --help'));
  }
  if (values.help === true) return { kind: 'help' };
  const text = (name: string): string | undefined => values[name] as string | undefined;

  const procfsPath = text('path.procfs') ?? FLAGS['path.procfs'].default;
  if (procfsPath.length === 0) throw usageError('--path.procfs: empty path');

  const topParents = parseTopParents(text('zombies.top-parents') ?? FLAGS['zombies.top-parents'].default);

  let watchMs: number | null = null;
  const watchText = text('watch');
  if (watchText !== undefined) {
    const ms = parseDuration(watchText);
    if (ms === undefined) throw usageError(`--watch: invalid duration "${watchText}" (want e.g. 2s, 500ms, 1m)`);
    if (ms < MIN_WATCH_MS) throw usageError(`--watch: ${watchText} is below the minimum of ${MIN_WATCH_MS}ms`);
    watchMs = ms;
  }

  const thresholds: Thresholds = {};
  if (text('warn.zombies') !== undefined) thresholds.warnZombies = parseCount('warn.zombies', text('warn.zombies')!);
  if (text('crit.zombies') !== undefined) thresholds.critZombies = parseCount('crit.zombies', text('crit.zombies')!);
  if (text('warn.pid-usage') !== undefined)
    thresholds.warnPidUsage = parseRatio('warn.pid-usage', text('warn.pid-usage')!);
  if (text('crit.pid-usage') !== undefined)
    thresholds.critPidUsage = parseRatio('crit.pid-usage', text('crit.pid-usage')!);
  notBelow('crit.zombies', thresholds.critZombies, 'warn.zombies', thresholds.warnZombies, String);
  notBelow(
    'crit.pid-usage',
    thresholds.critPidUsage,
    'warn.pid-usage',
    thresholds.warnPidUsage,
    (r) => `${Number((100 * r).toFixed(4))}%`,
  );

  const check = Object.keys(thresholds).length > 0;
  if (check && watchMs !== null)
    throw usageError('--watch does not go with --warn.*/--crit.*: a check looks once and exits');
  if (check && values.json === true)
    throw usageError('--json does not go with --warn.*/--crit.*: a check prints one status line');

  return {
    kind: 'run',
    options: Object.freeze({
      procfsPath,
      topParents,
      json: values.json === true,
      watchMs,
      thresholds: Object.freeze(thresholds),
    }),
  };
}
