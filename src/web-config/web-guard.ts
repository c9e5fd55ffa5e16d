// The per-request side of the web config: configured headers, rate limit and basic auth on every path, in front
// of every route, as exporter-toolkit's handler wraps the whole mux.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { BasicAuthChecker } from './basic-auth.js';
import type { WebConfig } from './load-web-config.js';
import { RateLimiter } from './rate-limiter.js';

/** Holds the config in force; a reload swaps it without touching the server or the routes. */
export class WebGuard {
  private headers: Readonly<Record<string, string>> = {};
  private limiter: RateLimiter | undefined;
  readonly auth = new BasicAuthChecker();

  constructor(
    config: WebConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.apply(config);
  }

  apply(config: WebConfig): void {
    this.headers = config.headers;
    this.auth.setUsers(config.users);
    const rl = config.rateLimit;
    this.limiter = rl ? new RateLimiter(rl.intervalMs, rl.burst, this.now) : undefined;
  }

  /** A Fastify onRequest hook: answers 429 or 401 itself, or lets the request through. */
  readonly onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    for (const [name, value] of Object.entries(this.headers)) void reply.header(name, value);
    if (this.limiter && !this.limiter.allow()) {
      return reply.code(429).type('text/plain; charset=utf-8').send('Too Many Requests\n');
    }
    if (!this.auth.enabled) return undefined;
    const result = await this.auth.check(request.headers.authorization);
    if (result === 'ok') return undefined;
    if (result === 'busy')
      return reply.code(429).header('retry-after', '1').type('text/plain; charset=utf-8').send('Too Many Requests\n');
    return reply.code(401).header('www-authenticate', 'Basic').type('text/plain; charset=utf-8').send('Unauthorized\n');
  };
}
