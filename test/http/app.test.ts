import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createCollector } from '../../src/sample/collector.js';
import type { Sample } from '../../src/sample/sample.js';
import type { SampleFailure } from '../../src/sampler.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const NOW = 2_000_000_000_000;
const logged: string[] = [];
const logger = createLogger('debug', 'logfmt', (l) => logged.push(l));

function app(state: { latest?: Sample; lastFailure?: SampleFailure }, render = async () => 'm 1\n') {
  const samples = { latest: state.latest, lastFailure: state.lastFailure };
  const a = buildApp({
    telemetryPath: '/metrics',
    sampleIntervalMs: 5000,
    version: '9.9.9',
    samples,
    renderMetrics: render,
    metricsContentType: 'text/plain; version=0.0.4; charset=utf-8',
    logger,
    now: () => NOW,
  });
  return a;
}
const sample = (ageMs = 0): Sample => ({
  ...createCollector({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).collect(),
  timestampMs: NOW - ageMs,
});

t.test('/metrics: 503 with Retry-After until the first sample, then the exposition', async (t) => {
  const before = await app({}).inject('/metrics');
  t.equal(before.statusCode, 503);
  t.equal(before.headers['retry-after'], '5');
  t.equal(before.body, 'no sample yet\n');
  const after = await app({ latest: sample() }).inject('/metrics');
  t.equal(after.statusCode, 200);
  t.equal(after.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(after.body, 'm 1\n');
  const head = await app({ latest: sample() }).inject({ method: 'HEAD', url: '/metrics' });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
});

t.test('/metrics is gzipped for clients that ask, compressed once per text', async (t) => {
  let renders = 0;
  const text = `# HELP m x\n# TYPE m gauge\nm ${'1'.repeat(2000)}\n`;
  const a = app({ latest: sample() }, async () => (renders++, text));
  const gz = await a.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip, deflate' } });
  t.equal(gz.headers['content-encoding'], 'gzip');
  t.equal(gz.headers.vary, 'accept-encoding');
  t.equal(gunzipSync(gz.rawPayload).toString(), text);
  t.ok(gz.rawPayload.length < text.length / 10, 'smaller on the wire');
  const again = await a.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
  t.same(again.rawPayload, gz.rawPayload);
  const plain = await a.inject({ url: '/metrics', headers: { 'accept-encoding': 'identity' } });
  t.equal(plain.headers['content-encoding'], undefined);
  t.equal(plain.body, text);
  t.equal(renders, 3, 'the text is asked for each time; the cache behind it is ExporterMetrics.render()');
});

t.test('/healthz: fresh is 200; stale, failing or missing is 503 with the reason', async (t) => {
  const ok = await app({ latest: sample(1000) }).inject('/healthz');
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), { healthy: true, reason: 'last sample 1.0s ago', lastSampleAgeSeconds: 1 });
  const justUnder = await app({ latest: sample(14_999) }).inject('/healthz');
  t.equal(justUnder.statusCode, 200, 'younger than three intervals');
  const stale = await app({
    latest: sample(15_000),
    lastFailure: { source: 'loadavg', message: 'read loadavg: EIO', atMs: NOW },
  }).inject('/healthz');
  t.equal(stale.statusCode, 503);
  t.match(stale.json(), {
    healthy: false,
    reason: 'last sample 15.0s ago, older than 3 intervals (15s); last failure: read loadavg: EIO',
    lastFailure: { source: 'loadavg', message: 'read loadavg: EIO' },
  });
  const none = await app({}).inject('/healthz');
  t.equal(none.statusCode, 503);
  t.match(none.json(), { reason: 'no sample yet' });
});

t.test('landing page names the exporter, links metrics, summarises, and escapes comm', async (t) => {
  const s = sample();
  s.topParents[0]!.comm = '<script>alert(1)</script>';
  const res = await app({ latest: s }).inject('/');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html/);
  t.match(res.body, 'zombie-exporter 9.9.9');
  t.match(res.body, '<a href="/metrics">');
  t.match(res.body, '<b id="zombies">9</b>');
  t.match(res.body, '<b id="pids">412</b> of 30000');
  t.match(res.body, '&lt;script&gt;alert(1)&lt;/script&gt;');
  t.notMatch(res.body, '<script>');
  t.match(res.body, 'systemd; SIGCHLD handled');
  const empty = await app({}).inject('/');
  t.match(empty.body, 'Waiting for the first sample.');
});

t.test('unknown paths 404, wrong methods 405, errors never leak a stack', async (t) => {
  const a = app({ latest: sample() }, async () => {
    throw new Error('secret /etc/path at line 7');
  });
  const nf = await a.inject('/nope');
  t.same([nf.statusCode, nf.body], [404, '404 page not found\n']);
  const post = await a.inject({ method: 'POST', url: '/metrics', payload: 'x' });
  t.same([post.statusCode, post.headers.allow, post.body], [405, 'GET, HEAD', 'method not allowed\n']);
  const boom = await a.inject('/metrics');
  t.same([boom.statusCode, boom.body], [500, 'internal error\n']);
  t.notMatch(boom.body, /secret|etc|line 7/);
  t.match(logged.join(''), 'secret /etc/path at line 7', 'the cause goes to the log instead');
});
