// Which exposition a scraper gets: OpenMetrics when its Accept header prefers it (Prometheus asks for it first), the
// Prometheus text format 0.0.4 otherwise. Chosen as client_golang's expfmt.NegotiateIncludingOpenMetrics chooses:
// media ranges by quality, the first that names a format and a version we write wins, text by default.

export type ExpositionFormat = 'text' | 'openmetrics';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text';
/** OpenMetrics versions a scraper may ask for; both are answered with the same bytes, as client_golang does. */
const OPENMETRICS_VERSIONS = ['1.0.0', '0.0.1'];

export interface Negotiated {
  format: ExpositionFormat;
  contentType: string;
}

const TEXT: Negotiated = { format: 'text', contentType: TEXT_CONTENT_TYPE };

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
  /** 0 for `*\/*`, 1 for `type/*`, 2 for a full type: more specific ranges of equal quality come first. */
  specificity: number;
}

function parseRange(part: string): MediaRange | undefined {
  const [type, ...rawParams] = part.split(';').map((s) => s.trim());
  if (!type?.includes('/')) return undefined;
  const params = new Map<string, string>();
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    if (eq > 0)
      params.set(
        p.slice(0, eq).trim().toLowerCase(),
        p
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  const q = params.has('q') ? Number(params.get('q')) : 1;
  const lower = type.toLowerCase();
  return {
    type: lower,
    params,
    q: Number.isFinite(q) ? q : 0,
    specificity: lower === '*/*' ? 0 : lower.endsWith('/*') ? 1 : 2,
  };
}

/** The format for an Accept header (absent: text). A range with q=0 is refused, so it is never chosen. */
export function negotiateFormat(accept: string | undefined): Negotiated {
  if (accept === undefined) return TEXT;
  const ranges = accept
    .split(',')
    .map(parseRange)
    .filter((r): r is MediaRange => r !== undefined && r.q > 0)
    .sort((a, b) => b.q - a.q || b.specificity - a.specificity);
  for (const r of ranges) {
    const version = r.params.get('version');
    if (r.type === 'text/plain' && (version === undefined || version === '0.0.4')) return TEXT;
    if (r.type === OPENMETRICS_TYPE && (version === undefined || OPENMETRICS_VERSIONS.includes(version))) {
      // No version asked is 0.0.1, as in client_golang.
      return {
        format: 'openmetrics',
        contentType: `${OPENMETRICS_TYPE}; version=${version ?? '0.0.1'}; charset=utf-8`,
      };
    }
  }
  return TEXT;
}
