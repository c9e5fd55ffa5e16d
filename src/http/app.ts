// Builds the Fastify app (routes and error handling) over published samples; never listens and never walks /proc.

import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import { assessHealth, type SampleState } from './health.js';
import { renderLandingPage } from './landing-page.js';

export interface AppOptions {
  telemetryPath: string;
  sampleIntervalMs: number;
  version: string;
  /** Where the latest sample and failure live (the Sampler). */
  samples: SampleState;
  /** Renders the exposition text; called only once a sample exists. */
  renderMetrics: () => Promise<string>;
  metricsContentType: string;
  logger: Logger;
  now?: () => number;
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { samples, logger } = options;
  const now = options.now ?? Date.now;
  const retryAfterSeconds = String(Math.max(1, Math.ceil(options.sampleIntervalMs / 1000)));
  const health = () => assessHealth(samples, options.sampleIntervalMs, now());

  const app = Fastify({ logger: false, return503OnClosing: true });

  // Prometheus asks for gzip; the text only changes with a sample (or the runtime TTL), so compress once per text.
  let gzipped: { text: string; body: Buffer } | undefined;
  app.get(options.telemetryPath, async (request, reply) => {
    if (samples.latest === undefined) {
      return reply.code(503).header('retry-after', retryAfterSeconds).type('text/plain; charset=utf-8').send('no sample yet\n');
    }
    const text = await options.renderMetrics();
    void reply.type(options.metricsContentType).header('vary', 'accept-encoding');
    if (!/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.send(text);
    if (gzipped?.text !== text) gzipped = { text, body: gzipSync(text) };
    return reply.header('content-encoding', 'gzip').send(gzipped.body);
  });

  app.get('/healthz', async (_request, reply) => {
    const h = health();
    return reply.code(h.healthy ? 200 : 503).send(h);
  });

  app.get('/', async (_request, reply) => {
    const html = renderLandingPage({
      version: options.version,
      telemetryPath: options.telemetryPath,
      sample: samples.latest,
      health: health(),
    });
    return reply.type('text/html; charset=utf-8').send(html);
  });

  // Fastify answers a known path with an unrouted method as not found; say what is allowed instead.
  const paths = new Set([options.telemetryPath, '/healthz', '/']);
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
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error('request failed', { method: request.method, url: request.url, err: err.message ?? String(err) });
    void reply.code(status).type('text/plain; charset=utf-8').send(status === 500 ? 'internal error\n' : 'bad request\n');
  });

  return app;
}
