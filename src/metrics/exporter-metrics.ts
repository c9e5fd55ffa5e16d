// The exporter's metrics on a registry passed in: every family of families.ts, its values pulled from the latest
// Sample when a scrape renders them (prom-client's collect()), prom-client's runtime families, and the caches, one
// per exposition format.

import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProcRootView, Sample, SampleSource } from '../sample/sample.js';
import { ASSEMBLE, ExpositionCache, sameInputs, type Exposition } from './exposition.js';
import type { ExpositionFormat } from './exposition-format.js';
import { FAMILIES, SAMPLE_DURATION_BUCKETS, type FamilyKey } from './families.js';
import type { HostInfo } from './host-info.js';
import { renderOpenMetricsFamily, type FamilyValues } from './openmetrics.js';
import { SampleCounts } from './sample-counts.js';
import { sampleSeries, type BuildInfo, type FamilySeries, type Series } from './sample-series.js';

export type { BuildInfo } from './sample-series.js';
export { Exposition } from './exposition.js';

// prom-client's default metrics include three gauges whose `_total` suffix makes `promtool check metrics` fail.
const PROMTOOL_INVALID_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * How long the runtime families' text is reused. They describe the exporter process itself (CPU seconds, RSS, open
 * fds), which Prometheus reads once per scrape interval; one second of staleness is invisible there, and it keeps a
 * burst of scrapes from each paying for /proc/self reads and the formatting of every runtime series.
 */
export const RUNTIME_TTL_MS = 1000;

/**
 * prom-client samples event-loop delay every 10 ms by default, a cost of its own on an idle host. The walk runs in a
 * worker, so this loop has nothing that should block it: once a second still shows a loop that stays blocked.
 */
const EVENT_LOOP_MONITORING_PRECISION_MS = 1000;

/**
 * The families whose series come from the sample: all but the sample-duration histogram, observed as samples come,
 * and the refused-scrapes counter, counted as scrapes come and rendered with the runtime families.
 */
type SampledKey = Exclude<FamilyKey, 'sampleDuration' | 'scrapesRefused'>;

export interface ExporterMetricsOptions {
  /**
   * prom-client's process_* and nodejs_* families, about the exporter's own process; false for
   * --web.disable-exporter-metrics. Default true.
   */
  processMetrics?: boolean;
}

export class ExporterMetrics {
  private readonly registry: Registry;
  private readonly counts = new SampleCounts();
  private readonly duration: Histogram;
  private readonly refused: Counter;
  private latest: Sample | undefined;
  private hostInfo: HostInfo | undefined;
  private procfsView: ProcRootView | undefined;
  private sampleMode: 'walk' | 'events' | undefined;
  /** The projection of the inputs it was made from; made again when one of them is a new object or number. */
  private series: { inputs: readonly unknown[]; series: FamilySeries } | undefined;
  private readonly caches: Record<ExpositionFormat, ExpositionCache>;

  constructor(
    registry: Registry,
    private readonly build: BuildInfo,
    private readonly intervalSeconds: number,
    now: () => number = Date.now,
    options: ExporterMetricsOptions = {},
  ) {
    this.registry = registry;
    const registers = [registry];
    // collect() gets the metric being rendered as its `this`; these arrows carry the ExporterMetrics to it.
    const fillGauge = (gauge: Gauge, key: SampledKey): void => {
      for (const s of this.resetFor(gauge, key)) gauge.set(s.labels, s.value);
    };
    const fillCounter = (counter: Counter, key: SampledKey): void => {
      for (const s of this.resetFor(counter, key)) counter.inc(s.labels, s.value);
    };
    let duration: Histogram | undefined;
    let refused: Counter | undefined;
    for (const [key, family] of Object.entries(FAMILIES) as [FamilyKey, (typeof FAMILIES)[FamilyKey]][]) {
      const { name, help } = family;
      const labelNames = [...family.labels];
      if (family.type === 'histogram') {
        duration = new Histogram({ name, help, labelNames, buckets: [...SAMPLE_DURATION_BUCKETS], registers });
        continue;
      }
      if (key === 'scrapesRefused') {
        // Registered after the sampled families (below), so that it renders with the runtime ones.
        refused = new Counter({ name, help, labelNames, registers: [] });
        continue;
      }
      const sampledKey = key as SampledKey;
      if (family.type === 'gauge') {
        new Gauge({
          name,
          help,
          labelNames,
          registers,
          collect(this: Gauge) {
            fillGauge(this, sampledKey);
          },
        });
      } else {
        new Counter({
          name,
          help,
          labelNames,
          registers,
          collect(this: Counter) {
            fillCounter(this, sampledKey);
          },
        });
      }
    }
    this.duration = duration!;
    this.refused = refused!;
    const sampledNames = registry.getMetricsAsArray().map((m) => m.name);
    // Refused scrapes are counted as they come, so they change between samples: they are rendered with the runtime
    // families, at most RUNTIME_TTL_MS old, rather than making a flood of refusals render the sampled text again.
    registry.registerMetric(this.refused);
    // Left out, the collectors are never made: no event-loop monitor, no /proc/self reads at scrape time.
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
      for (const name of PROMTOOL_INVALID_DEFAULTS) registry.removeSingleMetric(name);
    }
    const sampled = new Set(sampledNames);
    const runtimeNames = registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .filter((n) => !sampled.has(n));
    const cache = (format: ExpositionFormat) =>
      new ExpositionCache({
        renderSampled: () => this.renderFamilies(sampledNames, format),
        renderRuntime: () => this.renderFamilies(runtimeNames, format),
        assemble: ASSEMBLE[format],
        inputs: () => this.inputs(),
        runtimeTtlMs: RUNTIME_TTL_MS,
        now,
      });
    this.caches = { text: cache('text'), openmetrics: cache('openmetrics') };
  }

  /** The content type of the text format (the registry's). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The exposition in a format, with its bytes; rendered only when something changed. The text is what
   * registry.metrics() would render.
   */
  exposition(format: ExpositionFormat = 'text'): Promise<Exposition> {
    return this.caches[format].get();
  }

  /** The exposition's text. */
  async render(format: ExpositionFormat = 'text'): Promise<string> {
    return (await this.caches[format].get()).text;
  }

  /** A scrape refused by --web.max-requests. */
  recordRefusedScrape(): void {
    this.refused.inc();
  }

  setHostInfo(info: HostInfo): void {
    this.hostInfo = { ...info };
  }

  setSampleMode(mode: 'walk' | 'events'): void {
    this.sampleMode = mode;
  }

  setProcfsView(view: ProcRootView): void {
    this.procfsView = { hidepid: view.hidepid, pidNamespace: view.pidNamespace };
  }

  /** A published sample: its values are what the next scrape shows. */
  recordSample(s: Sample): void {
    this.counts.recordSample(s);
    this.duration.observe(s.durationSeconds);
    this.latest = s;
  }

  /** A sample that failed on a source it can't do without; the previous sample's values stay. */
  recordFailure(source: SampleSource): void {
    this.counts.recordFailure(source);
  }

  /** What the sampled text is a function of, by identity (the counts by their one number that always moves). */
  private inputs(): readonly unknown[] {
    return [this.latest, this.counts.attempted, this.hostInfo, this.procfsView, this.sampleMode];
  }

  /** Resets one family's prom-client metric as it renders and returns the series for the caller to set on it. */
  private resetFor(metric: Gauge | Counter, key: SampledKey): Series[] {
    const inputs = this.inputs();
    if (this.series === undefined || !sameInputs(this.series.inputs, inputs)) {
      const { latest: sample, counts, build, intervalSeconds, hostInfo, procfsView, sampleMode } = this;
      this.series = {
        inputs,
        series: sampleSeries({
          sample,
          counts,
          build,
          intervalSeconds,
          hostInfo,
          procfsView,
          ...(sampleMode && { sampleMode }),
        }),
      };
    }
    const series = this.series.series[key] ?? [];
    metric.reset();
    // reset() leaves a family without labels at 0; with no series it is absent instead.
    if (series.length === 0 && FAMILIES[key].labels.length === 0) metric.remove();
    return series;
  }

  private async renderFamilies(names: string[], format: ExpositionFormat): Promise<string> {
    if (format === 'text') {
      const parts = await Promise.all(names.map((n) => this.registry.getSingleMetricAsString(n)));
      return parts.join('\n\n');
    }
    const parts = await Promise.all(
      names.map(async (n) => {
        const metric = this.registry.getSingleMetric(n) as unknown as { get(): Promise<FamilyValues> };
        return renderOpenMetricsFamily(await metric.get());
      }),
    );
    return parts.join('\n');
  }
}
