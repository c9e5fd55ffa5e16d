// What --web.config.file adds to the server: TLS options, the request guard (headers, rate limit, basic auth), the
// client-certificate policies OpenSSL has no switch for, and a watcher that applies a changed file without a
// restart. serve.ts imports this module only when the flag is given: its YAML parser and schema validator would
// otherwise sit in the main heap of every exporter (a sizeable share of it: docs/performance.md), and every byte
// there is marked by each full GC of the thread that serves scrapes. bcrypt runs in a worker of its own.

import type { TLSSocket, Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { ExporterError } from '../errors.js';
import type { Logger } from '../log.js';
import type { WebConfig } from './load-web-config.js';
import { clientCertViolation, type TlsSettings } from './tls-settings.js';
import { readWebConfig, WebConfigWatcher, type LoadedWebConfig } from './web-config-watcher.js';
import { WebGuard } from './web-guard.js';

/** What tls.Server#setSecureContext and a new server need from TLS settings. */
function serverTlsOptions(tls: TlsSettings) {
  return { ...tls.secureContext, requestCert: tls.requestCert, rejectUnauthorized: tls.rejectUnauthorized };
}

/** A burst of 0 is valid (exporter-toolkit starts with it) but lets nothing through: say so, since no one means it. */
function warnAboutRateLimit(config: WebConfig, logger: Logger): void {
  if (config.rateLimit?.burst === 0)
    logger.warn('rate_limit.burst is 0: every request is answered 429, as exporter-toolkit answers it', {
      interval_ms: config.rateLimit.intervalMs,
    });
}

/** Reads --web.config.file at start-up: an invalid one stops the exporter with one line naming the key. */
function loadStartupWebConfig(path: string): LoadedWebConfig {
  try {
    return readWebConfig(path);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ExporterError('web-config', `--web.config.file=${path}: ${why}`);
  }
}

export class SecureServing {
  /** Options for buildApp: the TLS server options and the onRequest guard. */
  readonly appOptions: { https?: ReturnType<typeof serverTlsOptions>; guard: WebGuard['onRequest'] };
  private readonly initial: LoadedWebConfig;
  private webConfig: WebConfig;
  private readonly guard: WebGuard;
  private watcher: WebConfigWatcher | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {
    const loaded = loadStartupWebConfig(path);
    this.initial = loaded;
    this.webConfig = loaded.config;
    this.guard = new WebGuard(loaded.config);
    this.appOptions = {
      ...(loaded.config.tls && { https: serverTlsOptions(loaded.config.tls) }),
      guard: this.guard.onRequest,
    };
  }

  /** Hooks the built app's server and starts watching the file. */
  attach(app: FastifyInstance): void {
    const { logger } = this;
    if (this.webConfig.tls) {
      // Policies OpenSSL has no switch for (RequireAnyClientCert, VerifyClientCertIfGiven, client_allowed_sans) are
      // checked as the handshake completes, before the HTTP parser sees a byte.
      (app.server as unknown as TlsServer).on('secureConnection', (socket: TLSSocket) => {
        const why = this.webConfig.tls && clientCertViolation(this.webConfig.tls, socket);
        if (!why) return;
        logger.debug('TLS connection refused', { remote: socket.remoteAddress, err: why });
        socket.destroy();
      });
    }
    this.watcher = new WebConfigWatcher({
      path: this.path,
      initial: this.initial,
      logger,
      invalid: (reason) => this.guard.refuseAll(reason),
      apply: (next) => {
        // The listening socket is either TLS or not; turning TLS on or off is a new server, so it waits for a restart.
        if (next.tls === undefined && this.webConfig.tls !== undefined)
          throw new Error('tls_server_config no longer turns TLS on: restart the exporter to serve plain HTTP');
        if (next.tls !== undefined && this.webConfig.tls === undefined)
          throw new Error('tls_server_config now turns TLS on: restart the exporter to serve HTTPS');
        if (next.tls) {
          const server = app.server as unknown as TlsServer & { requestCert: boolean; rejectUnauthorized: boolean };
          server.setSecureContext(serverTlsOptions(next.tls));
          // setSecureContext replaces certificates, CAs, versions and ciphers; the client-certificate switches are
          // properties each new connection reads from the server (node's lib/_tls_wrap.js), so set them too.
          server.requestCert = next.tls.requestCert;
          server.rejectUnauthorized = next.tls.rejectUnauthorized;
        }
        this.guard.apply(next);
        this.webConfig = next;
        warnAboutRateLimit(next, logger);
      },
    });
    logger.info('web config loaded', {
      file: this.path,
      tls: this.webConfig.tls !== undefined,
      users: this.webConfig.users.size,
    });
    warnAboutRateLimit(this.webConfig, logger);
  }

  /** Stops watching and stops the bcrypt worker at once, even mid-comparison; checks still waiting get 503. */
  close(): void {
    this.watcher?.close();
    void this.guard.close();
  }
}
