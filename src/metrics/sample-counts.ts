// What happened to samples since the exporter started: attempts, sources that failed, pids and cgroups skipped.
// These add up across samples, so they live here and not in any one Sample.

import {
  CGROUP_SKIP_REASONS,
  SAMPLE_SOURCES,
  SKIP_REASONS,
  type CgroupSkipReason,
  type ExitTimeSource,
  type Sample,
  type SampleSource,
  type SkipReason,
} from '../sample/sample.js';
import { FULL_WALK_REASONS, type FullWalkReason } from '../sample/exit-events.js';

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export class SampleCounts {
  /** Samples attempted, published or failed: it changes with every sample, so it also keys the exposition cache. */
  attempted = 0;
  /** Per source, in SAMPLE_SOURCES order: every source is present at 0, so alerts can rate() from the start. */
  readonly errors: Record<SampleSource, number> = zeros(SAMPLE_SOURCES);
  readonly skippedPids: Record<SkipReason, number> = zeros(SKIP_REASONS);
  readonly skippedCgroups: Record<CgroupSkipReason, number> = zeros(CGROUP_SKIP_REASONS);
  /** New zombies by where their exit time came from; each present at 0. */
  readonly exitTimes: Record<ExitTimeSource, number> = { event: 0, sched: 0, first_seen: 0 };

  /** Event mode's full walks by reason, and the proc connector's events and losses; all at 0 in walk mode. */
  readonly fullWalks: Record<FullWalkReason, number> = zeros(FULL_WALK_REASONS);
  readonly procEvents = { fork: 0, exit: 0, other: 0 };
  procEventsLost = 0;
  procEventsOverflows = 0;

  /** A published sample: its source errors and skips count too. */
  recordSample(s: Sample): void {
    this.attempted++;
    const c = s.collection;
    if (c.fullWalkReason !== null) this.fullWalks[c.fullWalkReason]++;
    if (c.events !== null) {
      this.procEvents.fork += c.events.fork;
      this.procEvents.exit += c.events.exit;
      this.procEvents.other += c.events.other;
      this.procEventsLost += c.events.lost;
      this.procEventsOverflows += c.events.overflows;
    }
    for (const e of s.sourceErrors) this.errors[e.source]++;
    for (const reason of SKIP_REASONS) this.skippedPids[reason] += s.skipped[reason];
    this.exitTimes.event += s.exitTimeSources.event;
    this.exitTimes.sched += s.exitTimeSources.sched;
    this.exitTimes.first_seen += s.exitTimeSources.first_seen;
    if (s.cgroupPids !== null)
      for (const reason of CGROUP_SKIP_REASONS) this.skippedCgroups[reason] += s.cgroupPids.skipped[reason];
  }

  /** A sample that failed on a source it can't do without; the previous sample's values stay. */
  recordFailure(source: SampleSource): void {
    this.attempted++;
    this.errors[source]++;
  }
}
