import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { loadWebConfig, parseWebConfigText, referencedFiles } from '../../src/web-config/load-web-config.js';
import { makePki } from '../helpers/certs.js';

const HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const pki = makePki();
t.teardown(pki.remove);
pki.makeCa('ca');
pki.issue('server', 'ca', 'IP:127.0.0.1', 'serverAuth');
pki.issue('other', 'ca', 'IP:127.0.0.1', 'serverAuth');
writeFileSync(pki.path('junk.pem'), 'not a certificate\n');
const cfg = pki.path('web.yml');
const load = (text: string) => loadWebConfig(cfg, text, (p) => readFileSync(p));
const TLS = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';

t.test('an empty file, or empty sections, configure nothing', async (t) => {
  for (const text of [
    '',
    '---\n',
    'tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n',
    'tls_server_config:\n  min_version: TLS13\n',
  ]) {
    const c = load(text);
    t.same([c.tls, c.users.size, c.headers, c.rateLimit], [undefined, 0, {}, undefined], JSON.stringify(text));
  }
});

t.test('a full file', async (t) => {
  const c = load(
    `${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS13\n  curve_preferences: [X25519, CurveP256]\n` +
      `  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n  prefer_server_cipher_suites: false\n` +
      `http_server_config:\n  http2: false\n  headers:\n    X-Content-Type-Options: nosniff\n    Content-Security-Policy: ''\n` +
      `basic_auth_users:\n  alice: '${HASH}'\n  bob: '${HASH.replace('$2y$', '$2b$')}'\nrate_limit:\n  interval: 100ms\n  burst: 5\n`,
  );
  t.match(c.tls, {
    clientAuth: 'RequireAndVerifyClientCert',
    requestCert: true,
    rejectUnauthorized: true,
    secureContext: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256', honorCipherOrder: false },
  });
  t.match(
    c.tls!.secureContext.ciphers,
    /:ECDHE-ECDSA-AES128-GCM-SHA256$/,
    'TLS 1.3 suites left to OpenSSL, as Go leaves them',
  );
  t.ok(c.tls!.secureContext.ca, 'the client CA is read');
  t.same([...c.users.keys()], ['alice', 'bob']);
  t.same(c.headers, { 'X-Content-Type-Options': 'nosniff' }, 'a blank header is unset, as in exporter-toolkit');
  t.same(c.rateLimit, { intervalMs: 100, burst: 5 });
  t.same(referencedFiles(cfg, parseWebConfigText(`${TLS}  client_ca_file: /etc/ca.pem\n`)), [
    pki.path('server.crt'),
    pki.path('server.key'),
    '/etc/ca.pem',
  ]);
});

t.test('header values are read as Go reads them into strings: the scalar as written', async (t) => {
  const c = load(
    'http_server_config:\n  headers:\n    X-XSS-Protection: 1\n    Strict-Transport-Security: 0x10\n' +
      '    Content-Security-Policy: ~\n',
  );
  t.same(
    c.headers,
    { 'X-XSS-Protection': '1', 'Strict-Transport-Security': '0x10' },
    'a null is "", which unsets the header',
  );
  t.same(load('http_server_config:\n  headers:\n    Content-Security-Policy:\n').headers, {}, 'so is nothing at all');
  t.same(load('http_server_config:\n  headers:\n    X-XSS-Protection: true\n').headers, {
    'X-XSS-Protection': 'true',
  });
  t.throws(
    () => load('http_server_config:\n  headers:\n    X-XSS-Protection: [1]\n'),
    new ConfigError('http_server_config.headers.X-XSS-Protection: must be a string'),
    'a list is still not a header value',
  );
});

t.test('a rate limit with an interval and no burst is valid and lets nothing through, as in Go', async (t) => {
  t.same(load('rate_limit:\n  interval: 1s\n').rateLimit, { intervalMs: 1000, burst: 0 });
  t.same(load('rate_limit:\n  interval: "1s"\n  burst: 0\n').rateLimit, { intervalMs: 1000, burst: 0 });
  t.same(load('rate_limit:\n  interval: 0\n  burst: 0\n').rateLimit, undefined, 'interval 0: no limit');
});

t.test('X25519MLKEM768 is accepted; it is offered only where OpenSSL has it', async (t) => {
  const c = load(`${TLS}  curve_preferences: [X25519MLKEM768, X25519]\n`);
  const has = /^3\.([5-9]|\d\d)|^[4-9]/.test(process.versions.openssl);
  t.equal(c.tls!.secureContext.ecdhCurve, has ? 'X25519MLKEM768:X25519' : 'X25519', process.versions.openssl);
  if (!has) {
    t.throws(
      () => load(`${TLS}  curve_preferences: [X25519MLKEM768]\n`),
      new ConfigError(
        `tls_server_config.curve_preferences: none of them is available in this build's OpenSSL ${process.versions.openssl}`,
      ),
    );
  }
});

t.test('RequireClientCert is the old name of RequireAnyClientCert', async (t) => {
  t.match(load(`${TLS}  client_auth_type: RequireClientCert\n`).tls, {
    clientAuth: 'RequireAnyClientCert',
    requestCert: true,
    rejectUnauthorized: false,
  });
});

t.test('every invalid file is one line naming the key', async (t) => {
  const cases: [string, string][] = [
    ['tls_server_confg: {}\n', 'tls_server_confg: unknown key'],
    [`${TLS}  min_versoin: TLS12\n`, 'tls_server_config.min_versoin: unknown key'],
    [`${TLS}  min_version: TLS14\n`, 'tls_server_config.min_version: "TLS14" is not one of TLS10, TLS11, TLS12, TLS13'],
    [
      `${TLS}  min_version: TLS13\n  max_version: TLS12\n`,
      'tls_server_config.min_version: TLS13 is above max_version TLS12',
    ],
    [
      `${TLS}  client_auth_type: Maybe\n`,
      'tls_server_config.client_auth_type: "Maybe" is not one of NoClientCert, RequestClientCert, RequireAnyClientCert, RequireClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert',
    ],
    [
      `${TLS}  client_ca_file: ca.crt\n`,
      'tls_server_config.client_ca_file: client CAs are set without a client_auth_type that asks for a certificate',
    ],
    [
      `${TLS}  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n`,
      'tls_server_config.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (the others let a client send no certificate)',
    ],
    [
      `${TLS}  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n`,
      'tls_server_config.cipher_suites: unknown cipher "TLS_RSA_WITH_RC4_128_SHA"',
    ],
    [`${TLS}  curve_preferences: [CurveP999]\n`, 'tls_server_config.curve_preferences: unknown curve "CurveP999"'],
    [
      `${TLS}  prefer_server_cipher_suites: maybe\n`,
      'tls_server_config.prefer_server_cipher_suites: must be a boolean',
    ],
    ['tls_server_config:\n  key_file: server.key\n', 'tls_server_config: missing one of cert or cert_file'],
    ['tls_server_config:\n  cert_file: server.crt\n', 'tls_server_config: missing one of key or key_file'],
    [
      'tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n',
      `tls_server_config.cert_file: cannot read "${pki.path('missing.crt')}": ENOENT`,
    ],
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n',
      'tls_server_config: certificate and key: key values mismatch',
    ],
    [
      'tls_server_config:\n  cert_file: junk.pem\n  key_file: server.key\n',
      'tls_server_config: certificate and key: no start line',
    ],
    [
      `${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: junk.pem\n`,
      'tls_server_config.client_ca_file: no PEM certificate in it',
    ],
    [
      `${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca: "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"\n`,
      'tls_server_config.client_ca: a certificate does not parse: ',
    ],
    [
      'http_server_config:\n  headers:\n    Server: nginx\n',
      'http_server_config.headers.Server: this header can not be configured (only Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)',
    ],
    [
      'http_server_config:\n  headers:\n    X-Frame-Options: allow-from\n',
      'http_server_config.headers.X-Frame-Options: "allow-from" is not one of deny, sameorigin',
    ],
    ['http_server_config:\n  http3: true\n', 'http_server_config.http3: unknown key'],
    [
      'basic_auth_users:\n  alice: hunter2\n',
      'basic_auth_users.alice: not a bcrypt hash (make one with htpasswd -nBC 10 "")',
    ],
    [
      `basic_auth_users:\n  alice: '${HASH.replace('$10$', '$99$')}'\n`,
      'basic_auth_users.alice: not a bcrypt hash (make one with htpasswd -nBC 10 "")',
    ],
    ['basic_auth_users:\n  alice: 12\n', 'basic_auth_users.alice: must be a string'],
    ['basic_auth_users: [alice]\n', 'basic_auth_users: must be a mapping'],
    [`basic_auth_users:\n  alice: '${HASH}'\n  alice: '${HASH}'\n`, 'line 3: Map keys must be unique'],
    [
      'tls_server_config: [\n',
      'line 2: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['rate_limit:\n  interval: fast\n', 'rate_limit.interval: invalid duration "fast" (want e.g. 100ms, 1s)'],
    ['- a\n- b\n', '(top level): must be a mapping'],
  ];
  for (const [text, message] of cases) {
    t.throws(() => load(text), new ConfigError(message), message);
    // t.throws matches a message by substring; the whole line is the contract (a message ending in ': ' is a prefix).
    let got = '';
    try {
      load(text);
    } catch (err) {
      got = (err as Error).message;
    }
    if (message.endsWith(': ')) t.ok(got.startsWith(message), `begins: ${message}`);
    else t.equal(got, message, `exactly: ${message}`);
  }
});

t.test('the errors are ConfigErrors with one line', async (t) => {
  try {
    load('a: [\n');
    t.fail('should throw');
  } catch (err) {
    t.type(err, ConfigError);
    t.notMatch((err as Error).message, /\n/);
  }
});
