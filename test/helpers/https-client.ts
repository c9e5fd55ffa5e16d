// A real HTTPS client for TLS tests (node:https and curl), returning what came back or how the connection failed.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ClientTls {
  /** CA file the client trusts. */
  ca?: string;
  /** Client certificate and key files (mTLS). */
  cert?: string;
  key?: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
}

const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));

/** GET (or HEAD) over HTTPS with node:https; rejects with the socket or TLS error when there is no HTTP reply. */
export function httpsGet(
  url: string,
  tls: ClientTls,
  options: { auth?: string; method?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: read(tls.ca),
        cert: read(tls.cert),
        key: read(tls.key),
        minVersion: tls.minVersion,
        maxVersion: tls.maxVersion,
        ciphers: tls.ciphers,
        ...(options.auth !== undefined && { auth: options.auth }),
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The certificate the server presents (no verification: this only looks). */
export async function servedCertificate(host: string, port: number): Promise<PeerCertificate> {
  const socket = connect({ host, port, rejectUnauthorized: false, servername: undefined });
  try {
    await once(socket, 'secureConnect');
    return socket.getPeerCertificate();
  } finally {
    socket.destroy();
  }
}

export interface CurlResult {
  /** curl's exit code: 0 with an HTTP reply, non-zero when the connection or TLS failed. */
  code: number | null;
  /** The HTTP status curl saw, 0 when none. */
  status: number;
  stderr: string;
}

/** Runs curl once (killed after 15 s), returning its exit code and the HTTP status it got. */
export async function curl(args: string[]): Promise<CurlResult> {
  const child = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, status: Number(out) || 0, stderr: err };
}
