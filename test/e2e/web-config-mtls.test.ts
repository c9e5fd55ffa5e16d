// Client certificates, TLS versions and ciphers against the built exporter, with certificates made here and real
// clients: each client_auth_type's promise held, min_version honoured, cipher_suites applied.

import { writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { makePki } from '../helpers/certs.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { curl, httpsGet, type ClientTls } from '../helpers/https-client.js';
import { startExporter, type Exporter } from '../helpers/processes.js';

const pki = makePki();
t.teardown(pki.remove);
pki.makeCa('ca');
pki.makeCa('other-ca');
pki.issue('server', 'ca', 'IP:127.0.0.1', 'serverAuth');
pki.issue('client', 'ca', 'DNS:client-a.example', 'clientAuth');
pki.issue('stranger', 'other-ca', 'DNS:client-a.example', 'clientAuth');
pki.issue('client-b', 'ca', 'DNS:client-b.example', 'clientAuth');

async function exporterWith(t: Test, name: string, tlsLines: string[]): Promise<Exporter> {
  const path = pki.path(`${name}.yml`);
  writeFileSync(
    path,
    ['tls_server_config:', '  cert_file: server.crt', '  key_file: server.key', ...tlsLines.map((l) => `  ${l}`)].join(
      '\n',
    ),
  );
  const ex = await startExporter([`--web.config.file=${path}`, `--path.procfs=${ZOMBIE_TREE}`, '--sample.interval=1h']);
  t.teardown(() => ex.stop());
  return ex;
}

const trust: ClientTls = { ca: pki.path('ca.crt') };
const withCert = (name: string): ClientTls => ({
  ...trust,
  cert: pki.path(`${name}.crt`),
  key: pki.path(`${name}.key`),
});
/** Resolves the HTTP status, or 'refused' when the connection or handshake failed. */
const statusOf = (url: string, tls: ClientTls) =>
  httpsGet(url, tls).then(
    (r) => r.status,
    () => 'refused' as const,
  );

t.test('RequireAndVerifyClientCert with min_version TLS13', async (t) => {
  const ex = await exporterWith(t, 'mtls', [
    'client_auth_type: RequireAndVerifyClientCert',
    'client_ca_file: ca.crt',
    'min_version: TLS13',
  ]);
  const url = `https://${ex.address}/api/v1/history`; // 200 from the start: this is about TLS, not samples
  t.equal(await statusOf(url, trust), 'refused', 'no client certificate: refused');
  t.equal(await statusOf(url, withCert('stranger')), 'refused', 'a certificate from another CA: refused');
  t.equal(await statusOf(url, withCert('client')), 200, 'a certificate from the client CA: served');
  t.equal(
    await statusOf(url, { ...withCert('client'), maxVersion: 'TLSv1.2' }),
    'refused',
    'TLS 1.2 is below min_version',
  );

  const args = ['--cacert', pki.path('ca.crt'), url];
  const noCert = await curl(args);
  t.not(noCert.code, 0, `curl without a certificate fails (${noCert.stderr.trim()})`);
  t.equal(noCert.status, 0);
  t.match(await curl(['--cert', pki.path('client.crt'), '--key', pki.path('client.key'), ...args]), {
    code: 0,
    status: 200,
  });
  const tls12 = await curl([
    '--tls-max',
    '1.2',
    '--cert',
    pki.path('client.crt'),
    '--key',
    pki.path('client.key'),
    ...args,
  ]);
  t.not(tls12.code, 0, `curl --tls-max 1.2 fails (${tls12.stderr.trim()})`);
});

t.test('RequireAnyClientCert with client_allowed_sans', async (t) => {
  const ex = await exporterWith(t, 'any', [
    'client_auth_type: RequireAnyClientCert',
    'client_allowed_sans: [client-a.example]',
  ]);
  const url = `https://${ex.address}/api/v1/history`; // 200 from the start: this is about TLS, not samples
  t.equal(await statusOf(url, trust), 'refused', 'no certificate: refused');
  t.equal(await statusOf(url, withCert('stranger')), 200, 'any certificate with an allowed SAN, verified or not');
  t.equal(await statusOf(url, withCert('client-b')), 'refused', 'a SAN not in the list: refused');
});

t.test('VerifyClientCertIfGiven', async (t) => {
  const ex = await exporterWith(t, 'ifgiven', ['client_auth_type: VerifyClientCertIfGiven', 'client_ca_file: ca.crt']);
  const url = `https://${ex.address}/api/v1/history`; // 200 from the start: this is about TLS, not samples
  t.equal(await statusOf(url, trust), 200, 'no certificate: served');
  t.equal(await statusOf(url, withCert('client')), 200, 'a verified certificate: served');
  t.equal(await statusOf(url, withCert('stranger')), 'refused', 'a certificate that does not verify: refused');
});

t.test('cipher_suites and max_version TLS12', async (t) => {
  const ex = await exporterWith(t, 'ciphers', [
    'max_version: TLS12',
    'cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]',
  ]);
  const url = `https://${ex.address}/api/v1/history`; // 200 from the start: this is about TLS, not samples
  t.equal(await statusOf(url, { ...trust, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }), 200, 'the listed suite');
  t.equal(
    await statusOf(url, { ...trust, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }),
    'refused',
    'an unlisted suite',
  );
  t.equal(await statusOf(url, { ...trust, minVersion: 'TLSv1.3' }), 'refused', 'TLS 1.3 is above max_version');
});
