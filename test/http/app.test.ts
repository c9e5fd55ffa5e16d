import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { SampleHistory } from '../../src/snapshot/history.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { Exposition } from '../../src/metrics/exposition.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import type { SampleFailure } from '../../src/sample/sampler.js';
import { toSnapshot } from '../../src/snapshot/snapshot.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const NOW = 2_000_000_000_000;
const logged: string[] = [];
const logger = createLogger('debug', 'logfmt', (l) => logged.push(l));

function app(
  state: { latest?: Sample; lastFailure?: SampleFailure },
  render = async () => 'm 1\n',
  history?: SampleHistory,
  sampleIntervalMs = 5000,
) {
  const samples = { latest: state.latest, lastFailure: state.lastFailure };
  const a = buildApp({
    telemetryPath: '/metrics',
    sampleIntervalMs,
    history,
    version: '9.9.9',
    samples,
    exposition: async () => new Exposition(await render()),
    logger,
    now: () => NOW,
  });
  return a;
}
const sample = (ageMs = 0): Sample => ({
  ...createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take(),
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
  t.equal(gz.headers.vary, 'accept, accept-encoding');
  t.equal(gunzipSync(gz.rawPayload).toString(), text);
  t.ok(gz.rawPayload.length < text.length / 10, 'smaller on the wire');
  const again = await a.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
  t.same(again.rawPayload, gz.rawPayload);
  const plain = await a.inject({ url: '/metrics', headers: { 'accept-encoding': 'identity' } });
  t.equal(plain.headers['content-encoding'], undefined);
  t.equal(plain.body, text);
  t.equal(renders, 3, 'the text is asked for each time; the cache behind it is ExporterMetrics.render()');
});

t.test('/metrics: OpenMetrics for a scraper that prefers it, the text format otherwise', async (t) => {
  const asked: string[] = [];
  const samples = { latest: sample(), lastFailure: undefined };
  const a = buildApp({
    telemetryPath: '/metrics',
    sampleIntervalMs: 5000,
    version: '9.9.9',
    samples,
    exposition: async (format) => {
      asked.push(format);
      return new Exposition(format === 'openmetrics' ? 'm 1\n# EOF\n' : 'm 1\n');
    },
    logger,
    now: () => NOW,
  });
  const prometheus =
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  const om = await a.inject({ url: '/metrics', headers: { accept: prometheus, 'accept-encoding': 'gzip' } });
  t.equal(om.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  t.equal(om.headers['content-encoding'], 'gzip');
  t.equal(gunzipSync(om.rawPayload).toString(), 'm 1\n# EOF\n');
  t.equal(om.headers.vary, 'accept, accept-encoding', 'caches keep the two formats apart');
  const text = await a.inject({ url: '/metrics', headers: { accept: '*/*' } });
  t.equal(text.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(text.body, 'm 1\n');
  t.same(asked, ['openmetrics', 'text']);
});

t.test('/healthz: fresh is 200; stale, failing or missing is 503 with the reason', async (t) => {
  const ok = await app({ latest: sample(1000) }).inject('/healthz');
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), {
    healthy: true,
    reason: 'last sample 1.0s ago; 5 pids skipped in the last sample (3 malformed, 1 not_regular, 1 not_a_pid)',
    lastSampleAgeSeconds: 1,
    lastSampleTime: new Date(NOW - 1000).toISOString(),
    skipped: { vanished: 1, permission: 0, malformed: 3, io_error: 0, not_regular: 1, not_a_pid: 1 },
  });
  t.equal(ok.json<{ skipDetails: unknown[] }>().skipDetails.length, 4, 'which pids, and why');
  t.match(ok.json<{ skipDetails: unknown[] }>().skipDetails[0], { pid: Number, reason: String, detail: String });
  const justUnder = await app({ latest: sample(14_999) }).inject('/healthz');
  t.equal(justUnder.statusCode, 200, 'younger than three intervals');
  const stale = await app({
    latest: sample(15_000),
    lastFailure: { source: 'loadavg', message: 'read loadavg: EIO', atMs: NOW },
  }).inject('/healthz');
  t.equal(stale.statusCode, 503);
  t.match(stale.json(), {
    healthy: false,
    reason:
      'last sample 15.0s ago, older than 3 intervals (15s); the latest collection failed (loadavg): read loadavg: EIO; 5 pids skipped in the last sample (3 malformed, 1 not_regular, 1 not_a_pid)',
    lastFailure: { source: 'loadavg', message: 'read loadavg: EIO' },
  });
  const none = await app({}).inject('/healthz');
  t.equal(none.statusCode, 503);
  t.match(none.json(), { reason: 'no sample yet' });
});

t.test('landing page: summary, parents, PID 1, chart; every process-chosen string escaped', async (t) => {
  const s = sample();
  s.topParents[0]!.comm = '<script>alert(1)</script>';
  s.topParents[0]!.cgroup = '/x/<img src=x onerror=alert(2)>';
  s.topParents[0]!.user = '"><b>';
  const history = new SampleHistory(5000);
  for (const ms of [NOW - 10_000, NOW - 5000, NOW]) history.record({ timestampMs: ms, zombies: 9, pidsInUse: 412 });
  const res = await app({ latest: s }, undefined, history).inject('/');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html/);
  t.match(res.body, 'zombie-exporter 9.9.9');
  t.match(res.body, '<a href="/metrics">');
  t.match(res.body, '<a href="/api/v1/snapshot">');
  t.match(res.body, '<title>zombie-exporter: 9 zombies, PIDs 1.4%</title>');
  t.match(res.body, '<p class="big bad" id="zombies">9</p>');
  t.match(res.body, '<p class="big" id="pids">412</p>');
  t.match(res.body, 'of <b id="pid-limit">30000</b> (<span id="pid-usage">1.4%</span>), limited by threads-max 30000');
  t.match(res.body, '<p class="big" id="init-comm">systemd</p>');
  t.match(res.body, 'SIGCHLD caught (what its masks say; whether it reaps is what it holds)');
  t.notMatch(res.body, /never reap|may not reap/, 'no verdict from a mask');
  t.match(res.body, 'Holds <b id="init-zombies">2</b> adopted zombies, one for 0s');
  t.match(res.body, '&lt;script&gt;alert(1)&lt;/script&gt;');
  t.match(res.body, '/x/&lt;img src=x onerror=alert(2)&gt;');
  t.match(res.body, '&quot;&gt;&lt;b&gt;');
  t.equal(res.body.match(/<script/g)?.length, 1, "the one script tag is the page's own");
  t.notMatch(res.body, '<img');
  t.match(res.body, /<tr class="parent" data-pid="100">/);
  t.match(res.body, '<td class="num zombies">4</td>');
  t.match(res.body, '<td class="pids">101 102 103 104</td>');
  t.match(res.body, '<td class="step"><code>kill -TERM 100</code></td>');
  t.match(res.body, '<td class="step">fix init (below)</td>', 'PID 1 gets no kill command');
  t.match(
    res.body,
    '<p>Each parent must reap its children (wait() for them, or set SIGCHLD to SIG_IGN): fix or restart it.',
  );
  t.match(
    res.body,
    '<pre id="commands">kill -TERM 100  # &lt;script&gt;alert(1)&lt;/script&gt;: 4 zombies\nkill -TERM 200  # my app (v2): 2 zombies\nkill -TERM 300  # leaky: 1 zombie</pre>',
  );
  t.match(res.body, '<p id="init-advice">PID 1 (systemd) holds 2 adopted zombies. Only fixing init helps');
  t.match(
    res.body,
    /<figure class="chart" id="chart-zombies">[\s\S]*<path class="line" d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+"\/>/,
  );
  t.match(res.body, 'data-refresh-ms="5000"');
  t.match(res.body, '<h2>Since sampling began (up to an hour)</h2>', 'ten seconds of history: a one-minute chart');
  history.record({ timestampMs: NOW + 3_600_000, zombies: 1, pidsInUse: 400 });
  const later = await app({ latest: { ...s, timestampMs: NOW + 3_600_000 } }, undefined, history).inject('/');
  t.match(later.body, '<h2>Last hour</h2>', 'an hour of history: the full hour');
  const empty = await app({}).inject('/');
  t.match(empty.body, 'Waiting for the first sample.');
  t.match(empty.body, '<title>zombie-exporter: waiting for the first sample</title>');
});

t.test('without pid_max: /healthz stays 200 and names the file; the page says PID usage is unknown', async (t) => {
  const tree = createProcReader(ZOMBIE_TREE);
  const reader = {
    ...tree,
    readText: (rel: string) => {
      if (rel !== 'sys/kernel/pid_max') return tree.readText(rel);
      throw Object.assign(new Error('ENOENT: open'), { code: 'ENOENT' });
    },
  };
  const s = { ...createSampleTaker({ reader, topParents: 10 }).take(), timestampMs: NOW };
  const history = new SampleHistory(5000);
  history.record({ timestampMs: NOW - 10_000, zombies: 9, pidsInUse: 412 });
  history.record({ timestampMs: NOW - 5000, zombies: 9, pidsInUse: null });
  history.record({ timestampMs: NOW, zombies: 9, pidsInUse: 412 });
  const a = app({ latest: s }, undefined, history);
  const health = await a.inject('/healthz');
  t.equal(health.statusCode, 200, 'a fresh sample is healthy; what it lacks is spelled out');
  t.match(health.json(), {
    healthy: true,
    reason:
      /^last sample 0\.0s ago; pid_max unreadable: read sys\/kernel\/pid_max: ENOENT; PID usage unknown: pid_max unreadable/,
    sourceErrors: [{ source: 'pid_max', message: 'read sys/kernel/pid_max: ENOENT' }],
    pidUsageUnknown: { reason: 'PID usage unknown: pid_max unreadable', files: ['sys/kernel/pid_max'] },
  });
  t.equal(
    (await app({ latest: sample(1000) }).inject('/healthz')).json<{ pidUsageUnknown: null }>().pidUsageUnknown,
    null,
  );

  const page = await a.inject('/');
  t.match(page.body, '<title>zombie-exporter: 9 zombies, PID usage unknown</title>');
  t.match(page.body, '<p class="big" id="pids">412</p>');
  t.match(page.body, '<p class="bad" id="pid-usage-unknown">PID usage unknown: pid_max unreadable</p>');
  t.match(page.body, '<p>Known: 412 in use, threads-max 30000</p>');
  t.notMatch(page.body, '<meter', 'no meter against an unknown limit');
  t.match(page.body, '<p class="big bad" id="zombies">9</p>', 'the zombies as ever');
  // The unknown point breaks the PIDs line: two single points, no segment joining them across it.
  t.match(
    page.body,
    /<figure class="chart" id="chart-pids">[\s\S]*<path class="line" d="M[\d.]+,[\d.]+ M[\d.]+,[\d.]+"\/>/,
  );
  const snapshot = (await a.inject('/api/v1/snapshot')).json<{ pids: Record<string, unknown> }>();
  t.match(snapshot.pids, { inUse: 412, limit: null, usage: null, unknown: ['pid_max'], pidMax: null });
  const points = (await a.inject('/api/v1/history')).json<{ pidsInUse: (number | null)[] }>();
  t.same(points.pidsInUse, [412, null, 412], 'the history keeps the unknown as null');
});

t.test('landing page with no zombies says so and draws an empty chart', async (t) => {
  const s = {
    ...sample(),
    zombies: 0,
    zombieParents: 0,
    topParents: [],
    other: { parents: 0, zombies: 0, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0 },
  };
  const res = await app({ latest: s }).inject('/');
  t.match(res.body, '<p id="no-zombies">No zombies.</p>');
  t.match(res.body, '<p class="big ok" id="zombies">0</p>');
  t.notMatch(res.body, '<path class="line"', 'no points yet: nothing plotted');
});

t.test('the page allows only its own inline script and style (CSP hashes match what it sends)', async (t) => {
  const res = await app({ latest: sample() }).inject('/');
  const csp = String(res.headers['content-security-policy']);
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const script = /<script>([\s\S]*?)<\/script>/.exec(res.body)![1]!;
  const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)![1]!;
  t.match(csp, `script-src ${hash(script)};`);
  t.match(csp, `style-src ${hash(style)};`);
  t.match(csp, "default-src 'none'");
  t.match(csp, "connect-src 'self'");
  t.notMatch(csp, 'unsafe-inline');
  t.same([res.headers['x-content-type-options'], res.headers['cache-control']], ['nosniff', 'no-store']);
  t.notMatch(res.body, / style="/, 'no style attributes, which the CSP would block');
});

t.test('the page refreshes once per sample, between one second and one minute', async (t) => {
  const at = async (intervalMs: number) =>
    (await app({ latest: sample() }, undefined, undefined, intervalMs).inject('/')).body;
  t.match(await at(100), 'data-refresh-ms="1000"');
  t.match(await at(15_000), 'data-refresh-ms="15000"');
  t.match(await at(3_600_000), 'data-refresh-ms="60000"');
  t.match(await at(15_000), '<noscript><meta http-equiv="refresh" content="15"></noscript>');
});

t.test('/api/v1/snapshot: 503 until the first sample, then the snapshot of the latest one', async (t) => {
  const before = await app({}).inject('/api/v1/snapshot');
  t.same([before.statusCode, before.headers['retry-after'], before.json()], [503, '5', { error: 'no sample yet' }]);
  const s = sample();
  const a = app({ latest: s });
  const res = await a.inject('/api/v1/snapshot');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(res.headers['cache-control'], 'no-store');
  t.same(res.json(), JSON.parse(JSON.stringify(toSnapshot(s))));
  t.equal(res.json<{ zombies: { total: number } }>().zombies.total, 9);
  const head = await a.inject({ method: 'HEAD', url: '/api/v1/snapshot' });
  t.same([head.statusCode, head.body], [200, '']);
  const post = await a.inject({ method: 'POST', url: '/api/v1/snapshot' });
  t.equal(post.statusCode, 405);
});

t.test("/api/v1/history: the ring's points", async (t) => {
  const history = new SampleHistory(5000);
  history.record({ timestampMs: NOW - 5000, zombies: 1, pidsInUse: 400 });
  history.record({ timestampMs: NOW, zombies: 3, pidsInUse: 410 });
  const res = await app({ latest: sample() }, undefined, history).inject('/api/v1/history');
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    windowSeconds: 3600,
    spacingMs: 5000,
    t: [NOW - 5000, NOW],
    zombies: [1, 3],
    pidsInUse: [400, 410],
  });
  const none = await app({}).inject('/api/v1/history');
  t.same(none.json<{ t: number[] }>().t, [], 'no history kept: empty, not an error');
});

t.test('unknown paths 404, wrong methods 405, errors never leak a stack', async (t) => {
  const a = app({ latest: sample() }, async () => {
    throw new Error('secret /etc/path at line 7');
  });
  const nf = await a.inject('/nope');
  t.same([nf.statusCode, nf.body], [404, '404 page not found\n']);
  const post = await a.inject({ method: 'POST', url: '/metrics' }); // with a body it is a 413 (request-guards.test.ts)
  t.same([post.statusCode, post.headers.allow, post.body], [405, 'GET, HEAD', 'method not allowed\n']);
  const boom = await a.inject('/metrics');
  t.same([boom.statusCode, boom.body], [500, 'internal error\n']);
  t.notMatch(boom.body, /secret|etc|line 7/);
  t.match(logged.join(''), 'secret /etc/path at line 7', 'the cause goes to the log instead');
});
