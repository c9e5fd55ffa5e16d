// Serves a few requests for the telemetry path through the server's own HTTP code, in memory, so that the first real
// scrape does not pay for compiling it. V8 compiles a function on its first call, and the first scrape is the first
// call of Node's HTTP server internals, Fastify's request path, the handler, prom-client's rendering and zlib: one
// turn of the event loop long enough to be the longest of the exporter's day (docs/performance.md has the figures).
// Paying it at start-up moves it to a moment nobody is waiting.
//
// Node's http.Server takes any Duplex on its 'connection' event (documented for this purpose), so the bytes go
// through the same parser callbacks, routes, hooks and ServerResponse as a socket's, without a port or a client.

import type { Server } from 'node:http';
import { Duplex } from 'node:stream';

export interface WarmUpRequest {
  path: string;
  /** Ask for gzip, as Prometheus does. */
  gzip?: boolean;
}

/**
 * Sends the requests one after another and resolves with each response's status code. Rejects if a response does
 * not complete within timeoutMs, and destroys its stream, so nothing is left open.
 */
export async function warmUp(server: Server, requests: readonly WarmUpRequest[], timeoutMs = 5000): Promise<number[]> {
  const statuses: number[] = [];
  for (const r of requests) statuses.push(await serveInMemory(server, r, timeoutMs));
  return statuses;
}

function serveInMemory(server: Server, request: WarmUpRequest, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let head = '';
    const stream = new Duplex({
      read() {
        // The request is pushed once, below; there is nothing more to read on demand.
      },
      write(chunk: Buffer | string, _encoding, callback) {
        // Only the status line is wanted; the rest is dropped as it comes.
        if (head.length < 64) head += String(chunk).slice(0, 64);
        callback();
      },
    });
    const timer = setTimeout(() => {
      reject(new Error(`no response to the warm-up request for ${request.path} within ${timeoutMs} ms`));
      stream.destroy();
    }, timeoutMs);
    // "connection: close" makes the server end the stream once the response is written; a server that destroys it
    // instead only closes it.
    const settle = () => {
      clearTimeout(timer);
      stream.destroy();
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(head);
      if (status) resolve(Number(status[1]));
      else reject(new Error(`the warm-up request for ${request.path} got no HTTP response`));
    };
    stream.once('finish', settle);
    stream.once('close', settle);
    stream.on('error', () => {
      // settle() answers on 'close', which follows; without a listener the error would be thrown.
    });
    server.emit('connection', stream);
    stream.push(
      `GET ${request.path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n${request.gzip === true ? 'accept-encoding: gzip\r\n' : ''}\r\n`,
    );
  });
}
