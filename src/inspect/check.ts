// inspect as a Nagios-style check: thresholds on zombies and PID usage -> one status line and exit code 0/1/2/3.

import { formatPercent, pidUsageUnknownText } from '../snapshot/format.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { terminalSafe } from './terminal-safe.js';

export type CheckStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** The Nagios plugin exit codes (monitoring-plugins guidelines), which Icinga, Sensu and Zabbix read too. */
export const EXIT_CODES: Readonly<Record<CheckStatus, number>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

/** A level is crossed when the value is strictly above it, as a Nagios threshold "N" means "alert outside 0..N". */
export interface Thresholds {
  warnZombies?: number;
  critZombies?: number;
  /** PID usage as a ratio of the limit, 0 to 1. */
  warnPidUsage?: number;
  critPidUsage?: number;
}

export function hasThresholds(t: Thresholds): boolean {
  return (
    t.warnZombies !== undefined ||
    t.critZombies !== undefined ||
    t.warnPidUsage !== undefined ||
    t.critPidUsage !== undefined
  );
}

/**
 * How two parts' statuses combine: the worse wins, and a part that could not be judged ranks above OK but below a
 * level that was crossed (monitoring-plugins' max_state_alt), so a CRITICAL zombie count is never hidden by a PID
 * usage that is unknown.
 */
const RANK: Record<CheckStatus, number> = { OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3 };

function level(
  value: number,
  warn: number | undefined,
  crit: number | undefined,
): { status: CheckStatus; over?: number } {
  if (crit !== undefined && value > crit) return { status: 'CRITICAL', over: crit };
  if (warn !== undefined && value > warn) return { status: 'WARNING', over: warn };
  return { status: 'OK' };
}

/** A Nagios status line must stay one line, and `|` starts its performance data: neither may come from a comm. */
const inLine = (text: string): string => terminalSafe(text).replace(/\|/g, '\\x7c');

const perfRatio = (ratio: number | undefined): string =>
  ratio === undefined ? '' : String(Number((100 * ratio).toFixed(2)));
/** A value that could not be determined is `U` in performance data (monitoring-plugins guidelines). */
const perfValue = (value: number | null): string => (value === null ? 'U' : String(value));

export interface CheckResult {
  status: CheckStatus;
  exitCode: number;
  /** `STATUS - summary | perfdata`, without a newline. */
  line: string;
}

export function evaluateCheck(s: Snapshot, t: Thresholds): CheckResult {
  const zombies = level(s.zombies.total, t.warnZombies, t.critZombies);
  const usage = s.pids.usage;
  // PID levels asked for but no usage to hold them against: that part is UNKNOWN, never a silent OK.
  const pidLevels = t.warnPidUsage !== undefined || t.critPidUsage !== undefined;
  const pids: { status: CheckStatus; over?: number } =
    usage === null ? { status: pidLevels ? 'UNKNOWN' : 'OK' } : level(usage, t.warnPidUsage, t.critPidUsage);
  const status = RANK[pids.status] > RANK[zombies.status] ? pids.status : zombies.status;

  const worst = s.parents[0];
  let zombieText = `${s.zombies.total} ${s.zombies.total === 1 ? 'zombie' : 'zombies'}`;
  if (zombies.over !== undefined) zombieText += ` (> ${zombies.over})`;
  if (worst !== undefined) zombieText += `, most under pid ${worst.pid} (${inLine(worst.comm)}): ${worst.zombies}`;
  let pidText =
    usage === null
      ? inLine(pidUsageUnknownText(s.pids.unknown) ?? 'PID usage unknown')
      : `PIDs ${s.pids.inUse}/${s.pids.limit} (${formatPercent(usage)})`;
  if (pids.over !== undefined) pidText += ` (> ${formatPercent(pids.over)})`;
  // The part that crossed a level goes first: it is what a pager shows when the line is cut short.
  const parts = pids.status !== 'OK' && zombies.status === 'OK' ? [pidText, zombieText] : [zombieText, pidText];

  const perf = [
    `zombies=${s.zombies.total};${t.warnZombies ?? ''};${t.critZombies ?? ''};0;`,
    `pid_usage=${usage === null ? 'U' : `${perfRatio(usage)}%`};${perfRatio(t.warnPidUsage)};${perfRatio(t.critPidUsage)};0;100`,
    `pids_in_use=${perfValue(s.pids.inUse)};;;0;${s.pids.limit ?? ''}`,
  ];
  return { status, exitCode: EXIT_CODES[status], line: `${status} - ${parts.join('; ')} | ${perf.join(' ')}` };
}

/** The line for a check that could not look: a bad flag or an unreadable proc root. */
export function unknownLine(message: string): string {
  return `UNKNOWN - ${inLine(message)}`;
}
