// Whether the exporter is healthy: a sample younger than three intervals, with the reason spelled out when not.

import type { Sample } from '../sample/sample.js';
import type { SampleFailure } from '../sampler.js';

export interface SampleState {
  readonly latest: Sample | undefined;
  readonly lastFailure: SampleFailure | undefined;
}

export interface Health {
  healthy: boolean;
  /** One line: what is wrong, or how fresh the sample is. */
  reason: string;
  lastSampleAgeSeconds: number | null;
  /** The failure of the most recent collection, if it failed. */
  lastFailure: { source: string; message: string } | null;
  /** Sources that failed in the published sample without failing it. */
  sourceErrors: { source: string; message: string }[];
}

/** A sample older than this many intervals means sampling has stalled or keeps failing. */
export const STALE_AFTER_INTERVALS = 3;

export function assessHealth(state: SampleState, intervalMs: number, nowMs: number): Health {
  const { latest, lastFailure } = state;
  const failure = lastFailure ? { source: lastFailure.source, message: lastFailure.message } : null;
  const because = failure ? `; last failure: ${failure.message}` : '';
  if (latest === undefined) {
    return { healthy: false, reason: `no sample yet${because}`, lastSampleAgeSeconds: null, lastFailure: failure, sourceErrors: [] };
  }
  const ageSeconds = Math.max(0, (nowMs - latest.timestampMs) / 1000);
  const limitSeconds = (STALE_AFTER_INTERVALS * intervalMs) / 1000;
  const healthy = ageSeconds < limitSeconds;
  return {
    healthy,
    reason: healthy
      ? `last sample ${ageSeconds.toFixed(1)}s ago`
      : `last sample ${ageSeconds.toFixed(1)}s ago, older than ${STALE_AFTER_INTERVALS} intervals (${limitSeconds}s)${because}`,
    lastSampleAgeSeconds: ageSeconds,
    lastFailure: failure,
    sourceErrors: latest.sourceErrors.map((e) => ({ source: e.source, message: e.message })),
  };
}
