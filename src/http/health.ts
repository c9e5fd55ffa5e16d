// Whether the exporter is healthy: a sample younger than three intervals, with what is wrong spelled out either way.

import type { PidUsageSource, Sample, SkipDetail } from '../sample/sample.js';
import { pidUsageUnknownText } from '../snapshot/format.js';
import type { SampleFailure } from '../sample/sampler.js';

export interface SampleState {
  readonly latest: Sample | undefined;
  readonly lastFailure: SampleFailure | undefined;
}

export interface Health {
  healthy: boolean;
  /** One line: how fresh the sample is, then whatever is wrong. */
  reason: string;
  lastSampleAgeSeconds: number | null;
  /** When the sample being served was taken (ISO 8601); every metric is as of then. */
  lastSampleTime: string | null;
  /** The failure of the most recent collection, if it failed (the previous sample is still served). */
  lastFailure: { source: string; message: string } | null;
  /** Sources that failed in the published sample without failing it. */
  sourceErrors: { source: string; message: string }[];
  /** Pids the published sample's walk skipped, by reason; vanished pids are routine, the rest are not. */
  skipped: Record<string, number> | null;
  /** The first few non-routine skips: which pid and why (an errno code or a parse failure). */
  skipDetails: SkipDetail[];
  /**
   * Why the published sample has no PID usage (its PID-usage families are absent from /metrics): the line and the
   * files it lacked, relative to the proc root; null when it has one, or there is no sample.
   */
  pidUsageUnknown: { reason: string; files: string[] } | null;
}

/** The file each source of PID usage is read from, relative to the proc root (procfs/host-files.ts reads them). */
const PID_USAGE_FILES: Record<PidUsageSource, string> = {
  loadavg: 'loadavg',
  pid_max: 'sys/kernel/pid_max',
  threads_max: 'sys/kernel/threads-max',
};

/** A sample older than this many intervals means sampling has stalled or keeps failing. */
export const STALE_AFTER_INTERVALS = 3;

/**
 * Messages are written to name files relative to the proc root, but a failure from deeper down (the worker, the
 * runtime) may carry an absolute path; /healthz is reachable by whoever can reach the port, so paths are cut out.
 */
export function redactPaths(message: string): string {
  return message.replace(/(^|[\s'"(=:,])\/[^\s'"),]*/g, '$1[path]');
}

/** "2 pids skipped in the last sample (1 io_error, 1 malformed)", or '' when only vanished pids were. */
function describeSkips(skipped: Record<string, number>): string {
  const parts = Object.entries(skipped).filter(([reason, n]) => reason !== 'vanished' && n > 0);
  if (parts.length === 0) return '';
  const total = parts.reduce((n, [, k]) => n + k, 0);
  return `${total} pid${total === 1 ? '' : 's'} skipped in the last sample (${parts.map(([r, n]) => `${n} ${r}`).join(', ')})`;
}

export function assessHealth(state: SampleState, intervalMs: number, nowMs: number): Health {
  const { latest, lastFailure } = state;
  const failure = lastFailure ? { source: lastFailure.source, message: redactPaths(lastFailure.message) } : null;
  const problems: string[] = [];
  if (failure) problems.push(`the latest collection failed (${failure.source}): ${failure.message}`);
  if (latest === undefined) {
    return {
      healthy: false,
      reason: ['no sample yet', ...problems].join('; '),
      lastSampleAgeSeconds: null,
      lastSampleTime: null,
      lastFailure: failure,
      sourceErrors: [],
      skipped: null,
      skipDetails: [],
      pidUsageUnknown: null,
    };
  }
  const ageSeconds = Math.max(0, (nowMs - latest.timestampMs) / 1000);
  const limitSeconds = (STALE_AFTER_INTERVALS * intervalMs) / 1000;
  const healthy = ageSeconds < limitSeconds;
  const sourceErrors = latest.sourceErrors.map((e) => ({ source: e.source, message: redactPaths(e.message) }));
  for (const e of sourceErrors) problems.push(`${e.source} unreadable: ${e.message}`);
  const unknownText = pidUsageUnknownText(latest.pidUsageUnknown);
  const pidUsageUnknown =
    unknownText === null
      ? null
      : { reason: unknownText, files: latest.pidUsageUnknown.map((source) => PID_USAGE_FILES[source]) };
  if (unknownText !== null) problems.push(unknownText);
  const skips = describeSkips(latest.skipped);
  if (skips) problems.push(skips);
  const age = `last sample ${ageSeconds.toFixed(1)}s ago${healthy ? '' : `, older than ${STALE_AFTER_INTERVALS} intervals (${limitSeconds}s)`}`;
  return {
    healthy,
    reason: [age, ...problems].join('; '),
    lastSampleAgeSeconds: ageSeconds,
    lastSampleTime: new Date(latest.timestampMs).toISOString(),
    lastFailure: failure,
    sourceErrors,
    skipped: { ...latest.skipped },
    skipDetails: latest.skipDetails.map((d) => ({ ...d })),
    pidUsageUnknown,
  };
}
