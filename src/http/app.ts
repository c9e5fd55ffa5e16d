// Builds the Fastify app (routes and error handling) over published samples; never listens and never walks /proc.

import type { ServerOptions as HttpsServerOptions } from 'node:https';
import Fastify, { type FastifyInstance, type onRequestAsyncHookHandler } from 'fastify';
import type { Logger } from '../log.js';
import type { Exposition } from '../metrics/exposition.js';
import { negotiateFormat, type ExpositionFormat } from '../metrics/exposition-format.js';
import { SampleHistory, type HistoryPoints } from '../snapshot/history.js';
import { snapshotOf, type Snapshot } from '../snapshot/snapshot.js';
import { assessHealth, type SampleState } from './health.js';
import { renderLandingPage } from './landing-page.js';
import { PAGE_CSP } from './page-assets.js';
import type { ScrapeLimit } from './scrape-limit.js';

export interface AppOptions {
  telemetryPath: string;
  sampleIntervalMs: number;
  version: string;
  /** Where the latest sample and failure live (the Sampler). */
  samples: SampleState;
  /**
   * The exposition in the format the scraper negotiated (text, bytes and gzip bytes, cached where it is made); asked
   * for only once a sample exists.
   */
  exposition: (format: ExpositionFormat) => Promise<Exposition>;
  /** --web.max-requests: scrapes served at once, past which the telemetry path answers 503; no limit when absent. */
  scrapeLimit?: ScrapeLimit;
  logger: Logger;
  /** The last hour of samples for the page's chart and /api/v1/history; none kept when absent. */
  history?: { points(): HistoryPoints };
  now?: () => number;
  /** TLS server options (--web.config.file's tls_server_config); plain HTTP when absent. */
  https?: HttpsServerOptions;
  /** Runs before every route (the web config's headers, rate limit and basic auth). */
  guard?: onRequestAsyncHookHandler;
  /** How long a client may take to send a request's headers (and its TLS handshake): --web.read-header-timeout. */
  readHeaderTimeoutMs?: number;
}

export const DEFAULT_READ_HEADER_TIMEOUT_MS = 10_000;
/**
 * An idle keep-alive connection is closed after this long. Prometheus reconnects cheaply when its scrape interval is
 * longer; a client holding many idle sockets open gets them closed.
 */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;
/** A socket with no traffic at all for this long is closed, whatever state its request is in. */
const IDLE_SOCKET_TIMEOUT_MS = 60_000;

/** The page refetches itself once per sample, but never more than once a second or less than once a minute. */
const refreshMsFor = (intervalMs: number): number => Math.min(60_000, Math.max(1000, intervalMs));

export function buildApp(options: AppOptions): FastifyInstance {
  const { samples, logger } = options;
  const now = options.now ?? Date.now;
  const retryAfterSeconds = String(Math.max(1, Math.ceil(options.sampleIntervalMs / 1000)));
  const health = () => assessHealth(samples, options.sampleIntervalMs, now());
  const history = options.history ?? new SampleHistory(options.sampleIntervalMs);
  // The page, the API and every refresh in between share one Snapshot per published sample.
  const snapshot = (): Snapshot | undefined => (samples.latest === undefined ? undefined : snapshotOf(samples.latest));

  // Node checks header and request deadlines on a timer (30 s by default), so a deadline of a few seconds needs a
  // check at least every second to mean anything against a slowloris client.
  const headerTimeoutMs = options.readHeaderTimeoutMs ?? DEFAULT_READ_HEADER_TIMEOUT_MS;
  const serverTimeouts = {
    headersTimeout: headerTimeoutMs,
    // Bodies are refused, so a request is complete with its headers; this only bounds a client that sends one anyway.
    requestTimeout: 2 * headerTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(headerTimeoutMs / 4))),
  };
  const common = {
    logger: false,
    return503OnClosing: true,
    requestTimeout: serverTimeouts.requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: IDLE_SOCKET_TIMEOUT_MS,
  } as const;
  // An https app is typed over https.Server; routes and hooks are the same, so both are handled as the http kind
  // and serve.ts, which owns TLS, reaches the tls.Server when it needs it.
  const app = options.https
    ? (Fastify({
        ...common,
        https: { ...options.https, ...serverTimeouts, handshakeTimeout: headerTimeoutMs },
      }) as unknown as FastifyInstance)
    : Fastify({ ...common, http: serverTimeouts });
  app.server.headersTimeout = headerTimeoutMs;

  // Every route is a GET (HEAD comes with it): a request body has no use, so it is refused before it is read and the
  // connection closed, rather than parsed, buffered or left for the next request on the socket to trip over.
  app.addHook('onRequest', async (request, reply) => {
    const length = request.headers['content-length'];
    if (request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0'))
      return undefined;
    return reply
      .code(413)
      .header('connection', 'close')
      .type('text/plain; charset=utf-8')
      .send('request bodies are not accepted\n');
  });
  if (options.guard) app.addHook('onRequest', options.guard);

  const { scrapeLimit } = options;
  // Bytes, not a string: the text only changes with a sample, and its encodings (UTF-8 for most clients, gzip for
  // Prometheus, which asks for it) are made once per text where it is made, not once per scrape here.
  app.get(options.telemetryPath, async (request, reply) => {
    if (scrapeLimit && !scrapeLimit.enter(reply.raw))
      return reply.code(503).type('text/plain; charset=utf-8').send(scrapeLimit.refusal());
    if (samples.latest === undefined) {
      return reply
        .code(503)
        .header('retry-after', retryAfterSeconds)
        .type('text/plain; charset=utf-8')
        .send('no sample yet\n');
    }
    const { format, contentType } = negotiateFormat(request.headers.accept);
    const exposition = await options.exposition(format);
    void reply.type(contentType).header('vary', 'accept, accept-encoding');
    if (!/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.send(exposition.plain);
    return reply.header('content-encoding', 'gzip').send(exposition.gzip());
  });

  app.get('/healthz', async (_request, reply) => {
    const h = health();
    return reply.code(h.healthy ? 200 : 503).send(h);
  });

  app.get('/', async (_request, reply) => {
    const html = renderLandingPage({
      version: options.version,
      telemetryPath: options.telemetryPath,
      snapshot: snapshot(),
      history: history.points(),
      health: health(),
      refreshMs: refreshMsFor(options.sampleIntervalMs),
    });
    return reply
      .header('content-security-policy', PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  app.get('/api/v1/snapshot', async (_request, reply) => {
    const s = snapshot();
    void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    if (s === undefined)
      return reply.code(503).header('retry-after', retryAfterSeconds).send({ error: 'no sample yet' });
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(s));
  });

  app.get('/api/v1/history', async (_request, reply) => {
    return reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').send(history.points());
  });

  // Fastify answers a known path with an unrouted method as not found; say what is allowed instead.
  const paths = new Set([options.telemetryPath, '/healthz', '/', '/api/v1/snapshot', '/api/v1/history']);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    if (paths.has(path)) {
      void reply.code(405).header('allow', 'GET, HEAD').type('text/plain; charset=utf-8').send('method not allowed\n');
      return;
    }
    void reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n');
  });

  // Responses never carry stacks or paths: client errors keep their status with a generic line, the rest are 500.
  app.setErrorHandler((err: { statusCode?: number; message?: string }, request, reply) => {
    const status =
      typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a throw of a non-Error (a string) reaches here too
      logger.error('request failed', { method: request.method, url: request.url, err: err.message ?? String(err) });
    }
    void reply
      .code(status)
      .type('text/plain; charset=utf-8')
      .send(status === 500 ? 'internal error\n' : 'bad request\n');
  });

  return app;
}
