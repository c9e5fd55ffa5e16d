// The built exporter behind a real web config: TLS with certificates made here, basic auth with htpasswd hashes,
// real clients (node:https and curl), certificate rotation and config edits while it runs.

import { renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import t from 'tap';
import { makePki } from '../helpers/certs.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { bcryptHash } from '../helpers/htpasswd.js';
import { curl, httpsGet, servedCertificate } from '../helpers/https-client.js';
import { startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const pki = makePki();
t.teardown(pki.remove);
pki.makeCa('ca');
pki.makeCa('ca2');
pki.issue('server', 'ca', 'IP:127.0.0.1', 'serverAuth');
pki.issue('server2', 'ca2', 'IP:127.0.0.1', 'serverAuth');
const ALICE = bcryptHash('alice', 'correct horse');
const ALICE_NEW = bcryptHash('alice', 'battery staple');

const configPath = pki.path('web.yml');
const config = (users: Record<string, string>, extra = '') =>
  [
    'tls_server_config:',
    '  cert_file: server.crt', // relative: resolved against the config file's folder, as exporter-toolkit does
    '  key_file: server.key',
    'http_server_config:',
    '  headers:',
    '    X-Frame-Options: deny',
    '    Strict-Transport-Security: max-age=31536000',
    'basic_auth_users:',
    ...Object.entries(users).map(([u, h]) => `  ${u}: '${h}'`),
    extra,
  ].join('\n');
/** Replaces a file the way cert tools and config management do: write beside it, rename over it. */
const replace = (path: string, text: string | Buffer) => {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
};
writeFileSync(configPath, config({ alice: ALICE }));

const ex = await startExporter([
  `--web.config.file=${configPath}`,
  `--path.procfs=${ZOMBIE_TREE}`,
  '--sample.interval=1h',
  '--web.read-header-timeout=1500ms',
]);
t.teardown(() => ex.stop());
const base = `https://${ex.address}`;
const ca = { ca: pki.path('ca.crt') };

t.test('basic auth over TLS, node:https', async (t) => {
  const none = await httpsGet(`${base}/metrics`, ca);
  t.equal(none.status, 401, 'no credentials: 401');
  t.equal(none.headers['www-authenticate'], 'Basic');
  t.equal(none.headers['x-frame-options'], 'deny', 'configured headers on every response');
  t.equal(none.headers['strict-transport-security'], 'max-age=31536000');
  t.notMatch(none.body, /proctable_/);
  t.equal((await httpsGet(`${base}/metrics`, ca, { auth: 'alice:wrong' })).status, 401, 'wrong password: 401');
  t.equal((await httpsGet(`${base}/metrics`, ca, { auth: 'mallory:correct horse' })).status, 401, 'unknown user: 401');
  t.equal((await httpsGet(`${base}/metrics`, ca, { auth: 'alice:' })).status, 401, 'empty password: 401');
  const ok = await httpsGet(`${base}/metrics`, ca, { auth: 'alice:correct horse' });
  t.equal(ok.status, 200, 'right password: 200');
  t.match(ok.body, /^proctable_zombies 9$/m);
  t.equal(ok.headers['x-frame-options'], 'deny');
  for (const path of ['/', '/healthz', '/api/v1/snapshot', '/api/v1/history', '/nope']) {
    t.equal((await httpsGet(`${base}${path}`, ca)).status, 401, `${path} is protected too`);
  }
  t.equal((await httpsGet(`${base}/metrics`, ca, { auth: 'alice:correct horse', method: 'HEAD' })).status, 200);
});

t.test('basic auth over TLS, curl', async (t) => {
  const url = `${base}/metrics`;
  t.match(await curl(['--cacert', pki.path('ca.crt'), url]), { code: 0, status: 401 }, 'no credentials: 401');
  t.match(
    await curl(['--cacert', pki.path('ca.crt'), '-u', 'alice:nope', url]),
    { code: 0, status: 401 },
    'wrong password: 401',
  );
  t.match(
    await curl(['--cacert', pki.path('ca.crt'), '-u', 'alice:correct horse', url]),
    { code: 0, status: 200 },
    'right password: 200',
  );
  const untrusted = await curl(['-u', 'alice:correct horse', url]);
  t.not(untrusted.code, 0, 'a client that does not trust the CA stops at the handshake');
});

t.test('plain HTTP to the TLS port gets no HTTP answer', async (t) => {
  await t.rejects(fetch(`http://${ex.address}/metrics`), 'fetch over http fails');
  const r = await curl([`http://${ex.address}/metrics`]);
  t.not(r.code, 0, `curl fails (exit ${r.code}: ${r.stderr.trim()})`);
  t.equal(r.status, 0, 'no HTTP status at all');
});

t.test('a client that never finishes its TLS handshake is cut off at the header timeout', async (t) => {
  const started = Date.now();
  const socket = connect({ host: '127.0.0.1', port: Number(ex.address.split(':')[1]) });
  socket.on('error', () => undefined);
  socket.write(Buffer.from([0x16, 0x03, 0x01])); // the first bytes of a ClientHello, and then nothing
  await new Promise((resolve) => socket.on('close', resolve));
  const ms = Date.now() - started;
  t.ok(ms >= 1300 && ms < 4000, `closed by the server after ${ms} ms`);
  t.equal(
    (await httpsGet(`${base}/metrics`, ca, { auth: 'alice:correct horse' })).status,
    200,
    'others are served meanwhile',
  );
});

t.test('a new certificate is served without a restart', async (t) => {
  const before = await servedCertificate('127.0.0.1', Number(ex.address.split(':')[1]));
  t.equal(before.issuer.CN, 'ca');
  // The key first, then the certificate: in between the pair does not match, which must be refused, not served.
  replace(pki.path('server.key'), (await import('node:fs')).readFileSync(pki.path('server2.key')));
  await waitFor('the mismatched pair to be refused', () => /web config invalid.*key values mismatch/.test(ex.stderr()));
  t.equal(
    (await httpsGet(`${base}/metrics`, ca, { auth: 'alice:correct horse' })).status,
    500,
    'the old pair still does the handshake; until the files are valid, every request gets 500, as in exporter-toolkit',
  );
  replace(pki.path('server.crt'), (await import('node:fs')).readFileSync(pki.path('server2.crt')));
  const after = await waitFor('the rotated certificate', async () => {
    const c = await servedCertificate('127.0.0.1', Number(ex.address.split(':')[1]));
    return c.issuer.CN === 'ca2' && c;
  });
  t.not(after.fingerprint256, before.fingerprint256);
  const res = await httpsGet(`${base}/metrics`, { ca: pki.path('ca2.crt') }, { auth: 'alice:correct horse' });
  t.equal(res.status, 200, 'clients that trust the new CA get in');
  await t.rejects(httpsGet(`${base}/metrics`, ca, { auth: 'alice:correct horse' }), 'the old CA no longer matches');
  t.equal(ex.child.exitCode, null, 'the same process throughout');
});

t.test('edits: a new password applies, an invalid edit answers 500 until the file is valid', async (t) => {
  const ca2 = { ca: pki.path('ca2.crt') };
  replace(configPath, config({ alice: ALICE_NEW }));
  await waitFor(
    'the new password',
    async () => (await httpsGet(`${base}/metrics`, ca2, { auth: 'alice:battery staple' })).status === 200,
  );
  t.equal(
    (await httpsGet(`${base}/metrics`, ca2, { auth: 'alice:correct horse' })).status,
    401,
    'the old password is refused',
  );

  replace(configPath, config({ alice: ALICE }, 'tls_server_config_typo: {}'));
  await waitFor('the invalid edit to be refused', () =>
    ex.stderr().includes('err="tls_server_config_typo: unknown key"'),
  );
  t.equal(
    (await httpsGet(`${base}/metrics`, ca2, { auth: 'alice:battery staple' })).status,
    500,
    'no one gets in on a config that is not the file: an edit that removes a user must not leave them in',
  );
  t.equal((await httpsGet(`${base}/metrics`, ca2, { auth: 'alice:correct horse' })).status, 500);

  replace(configPath, `basic_auth_users:\n  alice: '${ALICE}'\n`);
  await waitFor('TLS removal to be refused', () =>
    ex.stderr().includes('no longer turns TLS on: restart the exporter'),
  );
  t.equal(
    (await httpsGet(`${base}/metrics`, ca2, { auth: 'alice:battery staple' })).status,
    500,
    'still TLS, and 500 until a restart (or a file that keeps TLS on)',
  );
  const refusals = ex
    .stderr()
    .split('\n')
    .filter((l) => l.includes('tls_server_config_typo'));
  t.equal(refusals.length, 1, 'each refusal is logged once, not on every check');
  t.notMatch(ex.stderr(), /^\s+at /m, 'no stack in the logs');
});
