// The per-request side of the web config: configured headers, rate limit and basic auth on every path, in front
// of every route, as exporter-toolkit's handler wraps the whole mux; and a 500 for every request while the file on
// disk is invalid, as exporter-toolkit's handler answers when it can't read its config.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { BasicAuthChecker } from './basic-auth.js';
import type { WebConfig } from './load-web-config.js';
import { RateLimiter } from './rate-limiter.js';

/** Holds the config in force; a reload swaps it without touching the server or the routes. */
export class WebGuard {
  private headers: Readonly<Record<string, string>> = {};
  private limiter: RateLimiter | undefined;
  /** Why the file on disk can't be applied, while it can't: nobody is let in on a config that is not the file's. */
  private invalid: string | undefined;
  readonly auth: BasicAuthChecker;

  constructor(
    config: WebConfig,
    private readonly now: () => number = Date.now,
    auth: BasicAuthChecker = new BasicAuthChecker(),
  ) {
    this.auth = auth;
    this.apply(config);
  }

  apply(config: WebConfig): void {
    this.headers = config.headers;
    this.auth.setUsers(config.users);
    const rl = config.rateLimit;
    this.limiter = rl ? new RateLimiter(rl.intervalMs, rl.burst, this.now) : undefined;
    this.invalid = undefined;
  }

  /**
   * The file changed into something that can't be applied. Keeping the last good config would keep a user the edit
   * removed able to log in; exporter-toolkit re-reads the file on every request and answers 500 until it is valid.
   */
  refuseAll(reason: string): void {
    this.invalid = reason;
  }

  /** Why every request is refused, or undefined when the config in force is the file's. */
  get refusing(): string | undefined {
    return this.invalid;
  }

  /** A Fastify onRequest hook: answers 500, 429, 401 or 503 itself, or lets the request through. */
  readonly onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (this.invalid !== undefined)
      return reply.code(500).type('text/plain; charset=utf-8').send('Internal Server Error\n');
    for (const [name, value] of Object.entries(this.headers)) void reply.header(name, value);
    if (this.limiter && !this.limiter.allow()) {
      return reply.code(429).type('text/plain; charset=utf-8').send('Too Many Requests\n');
    }
    if (!this.auth.enabled) return undefined;
    const { socket } = request;
    const result = await this.auth.check(
      request.headers.authorization,
      socket.remoteAddress ?? '',
      () => !socket.destroyed,
    );
    if (result === 'ok') return undefined;
    if (result === 'unavailable')
      return reply.code(503).type('text/plain; charset=utf-8').send('Service Unavailable\n');
    return reply.code(401).header('www-authenticate', 'Basic').type('text/plain; charset=utf-8').send('Unauthorized\n');
  };

  /** Stops the bcrypt worker; checks still waiting get 503. */
  close(): Promise<void> {
    return this.auth.close();
  }
}
