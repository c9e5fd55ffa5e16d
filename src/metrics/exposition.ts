// The exposition cache, one per format: the text of /metrics with its UTF-8 and gzip bytes, made again only when
// what it shows changed (the published sample, the sample counts, the start-up facts) or the runtime families' text
// is too old.

import { gzipSync } from 'node:zlib';

/** One rendering: the text, its bytes, and its gzip bytes, compressed once and only if a client asks for them. */
export class Exposition {
  readonly plain: Buffer;
  private gzipped: Buffer | undefined;

  constructor(readonly text: string) {
    this.plain = Buffer.from(text);
  }

  gzip(): Buffer {
    this.gzipped ??= gzipSync(this.plain);
    return this.gzipped;
  }
}

/** How the two renderings make one exposition in each format; an empty part (no runtime families) is left out. */
export const ASSEMBLE = {
  /** Families apart by a blank line, as prom-client's registry.metrics() writes them. */
  text: (parts: readonly string[]): string => `${parts.filter((p) => p !== '').join('\n\n')}\n`,
  /** No blank line anywhere, and `# EOF` last: OpenMetrics allows neither less nor more. */
  openmetrics: (parts: readonly string[]): string => `${parts.filter((p) => p !== '').join('\n')}\n# EOF\n`,
} as const;

export interface ExpositionCacheOptions {
  /** Renders the families that change only with a sample or a start-up fact. */
  renderSampled: () => Promise<string>;
  /**
   * Renders the families that change between scrapes: prom-client's runtime families (CPU, memory, heap, fds) and
   * the count of refused scrapes.
   */
  renderRuntime: () => Promise<string>;
  /** Makes one exposition of the two renderings (ASSEMBLE's). */
  assemble: (parts: readonly string[]) => string;
  /**
   * The inputs the sampled text is a function of, compared by identity: a new published Sample is a new object, a
   * new count is a new number. Nothing has to remember to invalidate the cache; it compares what it was made from.
   */
  inputs: () => readonly unknown[];
  /** How long the runtime text is reused. */
  runtimeTtlMs: number;
  now: () => number;
}

/** Whether two input lists hold the very same values, element by element. */
export const sameInputs = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Between changes every scrape gets the same bytes, so fifty scrapers cost what one does. Concurrent scrapes of a
 * change share one rendering: what is cached is the promise.
 */
export class ExpositionCache {
  private sampled: { inputs: readonly unknown[]; text: Promise<string> } | undefined;
  private runtime: { atMs: number; text: Promise<string> } | undefined;
  private whole: { sampled: Promise<string>; runtime: Promise<string>; exposition: Promise<Exposition> } | undefined;

  constructor(private readonly options: ExpositionCacheOptions) {}

  get(): Promise<Exposition> {
    const { options } = this;
    const inputs = options.inputs();
    if (this.sampled === undefined || !sameInputs(this.sampled.inputs, inputs)) {
      this.sampled = { inputs, text: options.renderSampled() };
    }
    const now = options.now();
    // A clock that steps back renders again rather than pinning the old text.
    if (this.runtime === undefined || now - this.runtime.atMs >= options.runtimeTtlMs || now < this.runtime.atMs) {
      this.runtime = { atMs: now, text: options.renderRuntime() };
    }
    const sampled = this.sampled.text;
    const runtime = this.runtime.text;
    if (this.whole?.sampled !== sampled || this.whole.runtime !== runtime) {
      this.whole = {
        sampled,
        runtime,
        exposition: Promise.all([sampled, runtime]).then((parts) => new Exposition(options.assemble(parts))),
      };
    }
    return this.whole.exposition;
  }
}
