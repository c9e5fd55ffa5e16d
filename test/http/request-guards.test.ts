// What every route gets before it runs: request bodies refused, and the web config's headers, rate limit and auth.

import bcrypt from 'bcryptjs';
import t from 'tap';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { Exposition } from '../../src/metrics/exposition.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { WebGuard } from '../../src/web-config/web-guard.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const latest = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take();
const HASH = bcrypt.hashSync('pw', 4);
const auth = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

function app(guard?: WebGuard) {
  return buildApp({
    telemetryPath: '/metrics',
    sampleIntervalMs: 5000,
    version: '9.9.9',
    samples: { latest, lastFailure: undefined },
    exposition: async () => new Exposition('m 1\n'),
    logger: createLogger('error', 'logfmt', () => undefined),
    ...(guard && { guard: guard.onRequest }),
  });
}

t.test('a GET with a body is refused before it is read, and the connection closed', async (t) => {
  const a = app();
  for (const path of ['/metrics', '/healthz', '/', '/api/v1/snapshot', '/nope']) {
    const res = await a.inject({
      method: 'GET',
      url: path,
      payload: 'x=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.equal(res.statusCode, 413, path);
    t.equal(res.headers.connection, 'close');
    t.equal(res.body, 'request bodies are not accepted\n');
  }
  const chunked = await a.inject({
    method: 'GET',
    url: '/metrics',
    headers: { 'transfer-encoding': 'chunked' },
    payload: 'abc',
  });
  t.equal(chunked.statusCode, 413, 'a chunked body too');
  const post = await a.inject({ method: 'POST', url: '/metrics', payload: 'x' });
  t.equal(post.statusCode, 413, 'a POST with a body is refused as a body first');
  t.equal(
    (await a.inject({ method: 'POST', url: '/metrics' })).statusCode,
    405,
    'without one, the method is what is wrong',
  );
  t.equal(
    (await a.inject({ method: 'GET', url: '/metrics', headers: { 'content-length': '0' } })).statusCode,
    200,
    'an empty body is no body',
  );
});

t.test('the guard: headers on every response, 401 without the right credentials', async (t) => {
  const guard = new WebGuard({
    tls: undefined,
    users: new Map([['alice', HASH]]),
    headers: { 'X-Frame-Options': 'deny', 'Content-Security-Policy': "default-src 'none'" },
    rateLimit: undefined,
  });
  const a = app(guard);
  const none = await a.inject('/metrics');
  t.equal(none.statusCode, 401);
  t.equal(none.headers['www-authenticate'], 'Basic');
  t.equal(none.headers['x-frame-options'], 'deny');
  t.equal(none.body, 'Unauthorized\n');
  t.equal((await a.inject({ url: '/metrics', headers: { authorization: auth('alice', 'nope') } })).statusCode, 401);
  const ok = await a.inject({ url: '/metrics', headers: { authorization: auth('alice', 'pw') } });
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['x-frame-options'], 'deny');
  const page = await a.inject({ url: '/', headers: { authorization: auth('alice', 'pw') } });
  t.match(
    page.headers['content-security-policy'],
    /script-src/,
    "the page's own CSP wins over the file's, as a Go handler's header would",
  );
  t.equal((await a.inject({ method: 'HEAD', url: '/healthz' })).statusCode, 401, 'HEAD is guarded too');

  guard.apply({ tls: undefined, users: new Map(), headers: {}, rateLimit: undefined });
  const open = await a.inject('/metrics');
  t.equal(open.statusCode, 200, 'a reload without users opens the door');
  t.equal(open.headers['x-frame-options'], undefined, 'and drops the headers it no longer sets');
});

t.test('the rate limit answers 429 once the burst is spent', async (t) => {
  let now = 0;
  const guard = new WebGuard(
    { tls: undefined, users: new Map(), headers: {}, rateLimit: { intervalMs: 1000, burst: 2 } },
    () => now,
  );
  const a = app(guard);
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await a.inject('/metrics')).statusCode);
  t.same(codes, [200, 200, 429]);
  now += 1000;
  t.equal((await a.inject('/metrics')).statusCode, 200, 'a token per interval');
});

t.test('/healthz cuts absolute paths out of failure messages', async (t) => {
  const { redactPaths } = await import('../../src/http/health.js');
  t.equal(
    redactPaths("collector worker failed: Cannot find module '/opt/ze/dist/sample/collector-worker.js'"),
    "collector worker failed: Cannot find module '[path]'",
  );
  t.equal(
    redactPaths('ENOENT: no such file or directory, open /host/proc/12/stat'),
    'ENOENT: no such file or directory, open [path]',
  );
  t.equal(redactPaths('read sys/kernel/pid_max: EISDIR'), 'read sys/kernel/pid_max: EISDIR', 'relative names stay');
  t.equal(redactPaths('list the proc root: ENOENT'), 'list the proc root: ENOENT');
  const a = buildApp({
    telemetryPath: '/metrics',
    sampleIntervalMs: 5000,
    version: '9.9.9',
    samples: {
      latest,
      lastFailure: {
        source: 'procfs_root',
        message: 'collector worker failed: boom at /srv/app/dist/x.js:3',
        atMs: Date.now(),
      },
    },
    exposition: async () => new Exposition('m 1\n'),
    logger: createLogger('error', 'logfmt', () => undefined),
  });
  const body = (await a.inject('/healthz')).body;
  t.notMatch(body, '/srv/app');
  t.match(body, 'collector worker failed: boom at [path]');
});
