// Every --web.listen-address is served by the one server: the built exporter on several addresses answers on each,
// logs each, stops on each; behind a TLS web config every listener does the same handshake, with the same
// client-certificate policy, and a rotated certificate reaches them all.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { makePki } from '../helpers/certs.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { httpsGet, servedCertificate, type ClientTls } from '../helpers/https-client.js';
import { runCli, startExporter, type Exporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** Whether this machine has an IPv6 loopback to bind. */
async function hasIpv6Loopback(): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(0, '::1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** The addresses of the exporter's `listening` lines, once there are `n` of them. */
const listening = (ex: Exporter, n: number) =>
  waitFor(`${n} listening lines`, () => {
    const found = [...ex.stderr().matchAll(/msg=listening address=(\S+)/g)].map((m) => m[1]!);
    return found.length === n && found;
  });

const ipv6 = await hasIpv6Loopback();

t.test('three addresses: each logged, each served, each closed on SIGTERM', async (t) => {
  const flags = ['--web.listen-address=127.0.0.1:0', '--web.listen-address=127.0.0.1:0'];
  flags.push(ipv6 ? '--web.listen-address=[::1]:0' : '--web.listen-address=127.0.0.1:0');
  const ex = await startExporter([
    ...flags,
    `--path.procfs=${ZOMBIE_TREE}`,
    '--sample.interval=1h',
    '--web.read-header-timeout=500ms',
  ]);
  t.teardown(() => ex.stop('SIGKILL'));
  const addresses = await listening(ex, 3);
  t.match(addresses[0], /^127\.0\.0\.1:\d+$/);
  t.match(addresses[1], /^127\.0\.0\.1:\d+$/);
  t.match(addresses[2], ipv6 ? /^\[::1\]:\d+$/ : /^127\.0\.0\.1:\d+$/, 'in the order of the flags');
  t.equal(new Set(addresses).size, 3, 'three ports');
  for (const address of addresses) {
    const body = await waitFor(`${address}/metrics`, async () => {
      const res = await fetch(`http://${address}/metrics`);
      return res.status === 200 && res.text();
    });
    t.match(body, /^proctable_zombies 9$/m, `http://${address}/metrics`);
    const page = await fetch(`http://${address}/`);
    t.equal(page.status, 200, `http://${address}/: every route, not only the metrics`);
    await page.text();
    // The header deadline is the server's, so a client that never finishes its headers is cut off here too.
    const started = Date.now();
    const [host, port] = [
      address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, ''),
      address.split(':').at(-1),
    ];
    const slow = connect({ host, port: Number(port) });
    slow.on('error', () => undefined);
    slow.resume();
    slow.write('GET /metrics HTTP/1.1\r\nhost: x\r\n');
    await once(slow, 'close');
    const ms = Date.now() - started;
    t.ok(ms >= 400 && ms < 3000, `${address}: unfinished headers cut off after ${ms} ms`);
  }
  const { code } = await ex.stop('SIGTERM');
  t.equal(code, 0);
  for (const address of addresses) await t.rejects(fetch(`http://${address}/metrics`), `${address} is closed`);
});

t.test('one address taken: one line naming it, exit 1', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  const r = await runCli([
    '--web.listen-address=127.0.0.1:0',
    `--web.listen-address=127.0.0.1:${taken}`,
    `--path.procfs=${ZOMBIE_TREE}`,
  ]);
  t.equal(r.code, 1);
  t.equal(r.stderr, `zombie-exporter: error: listen tcp 127.0.0.1:${taken}: address already in use\n`);
});

t.test('TLS on every listener: the same certificate, the same client policy, the same rotation', async (t) => {
  const pki = makePki();
  t.teardown(pki.remove);
  pki.makeCa('ca');
  pki.makeCa('ca2');
  pki.issue('server', 'ca', 'IP:127.0.0.1', 'serverAuth');
  pki.issue('server2', 'ca2', 'IP:127.0.0.1', 'serverAuth');
  pki.issue('client-a', 'ca', 'DNS:client-a.example', 'clientAuth');
  pki.issue('client-b', 'ca', 'DNS:client-b.example', 'clientAuth');
  const config = pki.path('web.yml');
  writeFileSync(
    config,
    [
      'tls_server_config:',
      '  cert_file: server.crt',
      '  key_file: server.key',
      '  client_auth_type: RequireAndVerifyClientCert',
      '  client_ca_file: ca.crt',
      // Checked as each handshake completes, by a hook on the server (secure-serving.ts): on every listener too.
      '  client_allowed_sans: [client-a.example]',
    ].join('\n'),
  );
  const ex = await startExporter([
    '--web.listen-address=127.0.0.1:0',
    '--web.listen-address=127.0.0.1:0',
    `--web.config.file=${config}`,
    `--path.procfs=${ZOMBIE_TREE}`,
    '--sample.interval=1h',
  ]);
  t.teardown(() => ex.stop());
  const addresses = await listening(ex, 2);
  const client = (ca: string, name: string): ClientTls => ({
    ca: pki.path(ca),
    cert: pki.path(`${name}.crt`),
    key: pki.path(`${name}.key`),
  });
  const statusOf = (url: string, tls: ClientTls) =>
    httpsGet(url, tls).then(
      (r) => r.status,
      () => 'refused' as const,
    );
  for (const address of addresses) {
    const url = `https://${address}/api/v1/history`;
    t.equal(await statusOf(url, client('ca.crt', 'client-a')), 200, `${address}: an allowed client is served`);
    t.equal(await statusOf(url, client('ca.crt', 'client-b')), 'refused', `${address}: a SAN not allowed is refused`);
    t.equal(await statusOf(url, { ca: pki.path('ca.crt') }), 'refused', `${address}: no certificate, refused`);
    await t.rejects(fetch(`http://${address}/metrics`), `${address}: no plain HTTP`);
  }
  // Rotate the pair the way cert tools do (write beside, rename over): the key and the certificate together.
  for (const part of ['key', 'crt']) {
    writeFileSync(pki.path(`next.${part}`), readFileSync(pki.path(`server2.${part}`)));
    renameSync(pki.path(`next.${part}`), pki.path(`server.${part}`));
  }
  for (const address of addresses) {
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').at(-1))];
    const served = await waitFor(`${address} to serve the new certificate`, async () => {
      const c = await servedCertificate(host, port);
      return c.issuer.CN === 'ca2' && c;
    });
    t.equal(served.issuer.CN, 'ca2', `${address}: the rotated certificate`);
    t.equal(
      await statusOf(`https://${address}/api/v1/history`, client('ca2.crt', 'client-a')),
      200,
      `${address}: served with it`,
    );
  }
});
