// Binds every listener the flags ask for (each --web.listen-address, or each socket systemd passed) to the app's one
// server. The first listens through Fastify; every other is a bare net.Server whose connections are handed to that
// same server ('connection' is documented for this), as exporter-toolkit serves one http.Server on every listener.
// One server means TLS, the client-certificate checks, a reloaded web config, the header timeouts and a graceful
// close reach every address: nothing can be configured on one listener and forgotten on another.

import { lookup } from 'node:dns/promises';
import { createServer, type Server as NetServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ConfiguredAddress } from '../cli/config.js';
import { errnoCode, errnoText, ExporterError } from '../errors.js';

/** Where one listener listens: an address from the flags, or an fd systemd passed. */
export type ListenTarget = { kind: 'address'; address: ConfiguredAddress } | { kind: 'fd'; fd: number; name: string };

/** One bound listener: where it is bound, e.g. `127.0.0.1:10070` or `[::]:10070`, and the fd systemd passed. */
export interface BoundListener {
  address: string;
  fd?: number;
  /** The socket's FileDescriptorName= in its unit (`unknown` when none). */
  fdName?: string;
}

export interface BoundListeners {
  /** Every listener, in the order of the targets. */
  listeners: BoundListener[];
  /** Stops every listener accepting; resolves once each has closed (connections end with the app's server). */
  close(): Promise<void>;
}

/** Where a listener is bound, in the form Go's net.Addr prints and Prometheus targets take. */
function boundAddress(server: NetServer): string {
  const addr = server.address();
  if (addr === null) return 'unknown';
  if (typeof addr === 'string') return addr;
  const { address, family, port } = addr;
  return `${family === 'IPv6' ? `[${address}]` : address}:${port}`;
}

/** Listens on one host and port, or one fd; rejects with Node's error. */
function listenOn(server: NetServer, options: { host: string; port: number } | { fd: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options);
  });
}

/**
 * The hosts one address binds: `:port` is every interface, IPv6 and IPv4 alike (`::`, or `0.0.0.0` where IPv6 is
 * off); `localhost` is each loopback address it resolves to, as Fastify binds it; anything else as given.
 */
async function hostsOf(address: ConfiguredAddress): Promise<string[][]> {
  if (address.host === '') return [['::', '0.0.0.0']];
  if (address.host.toLowerCase() !== 'localhost') return [[address.host]];
  try {
    const all = await lookup(address.host, { all: true });
    return [...new Set(all.map((a) => a.address))].map((a) => [a]);
  } catch {
    return [['127.0.0.1']];
  }
}

/** A failed bind as Go's net.Listen words it: `listen tcp :10070: address already in use`. */
function listenError(what: string, err: unknown): ExporterError {
  const code = errnoCode(err);
  const why =
    code === 'EADDRINUSE'
      ? 'address already in use'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EINVAL' || code === 'ENOTSOCK'
          ? `not a listening stream socket (${code})`
          : errnoText(err);
  return new ExporterError('listen', `${what}: ${why}`);
}

/**
 * Binds every target, the first through the app (which also readies it), and returns what each is bound to. If one
 * fails, those already bound are closed and the error names the one that failed.
 */
export async function bindListeners(app: FastifyInstance, targets: readonly ListenTarget[]): Promise<BoundListeners> {
  const extra: NetServer[] = [];
  const listeners: BoundListener[] = [];
  const closeExtra = () =>
    Promise.all(extra.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  // Fastify's own server is bound first; every later listener passes its connections to it. The options are those
  // Node's http and https servers give their own sockets, so a handed-over connection behaves as one of theirs.
  let primary = true;
  const bindOne = async (options: { host: string; port: number } | { fd: number }): Promise<void> => {
    if (primary) {
      // An explicit host (never 'localhost', which Fastify would bind again on every address it resolves to, each on
      // a server of its own beyond this module's reach); `fd` is passed on to net.Server#listen as is.
      await app.listen({ ...options, ...('fd' in options ? { host: '' } : {}), listenTextResolver: () => '' });
      primary = false;
      listeners.push({ address: boundAddress(app.server) });
      return;
    }
    const own = app.server as unknown as { allowHalfOpen: boolean; noDelay?: boolean };
    const server = createServer({ allowHalfOpen: own.allowHalfOpen, noDelay: own.noDelay ?? true }, (socket) =>
      app.server.emit('connection', socket),
    );
    await listenOn(server, options);
    extra.push(server);
    listeners.push({ address: boundAddress(server) });
  };
  try {
    for (const target of targets) {
      if (target.kind === 'fd') {
        try {
          await bindOne({ fd: target.fd });
        } catch (err) {
          throw listenError(`listen on systemd socket fd ${target.fd} (${target.name})`, err);
        }
        Object.assign(listeners.at(-1)!, { fd: target.fd, fdName: target.name });
        continue;
      }
      const { address } = target;
      for (const candidates of await hostsOf(address)) {
        for (const [i, host] of candidates.entries()) {
          try {
            await bindOne({ host, port: address.port });
            break;
          } catch (err) {
            const code = errnoCode(err);
            // Only a host without IPv6 moves on to IPv4; anything else is the answer.
            if (i === candidates.length - 1 || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL'))
              throw listenError(`listen tcp ${address.text}`, err);
          }
        }
      }
    }
  } catch (err) {
    await closeExtra();
    throw err;
  }
  return { listeners, close: closeExtra };
}
