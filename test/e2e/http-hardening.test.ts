// The built exporter's HTTP surface under abuse: slowloris clients cut off at the header timeout while scrapes go on,
// a burst of concurrent scrapes served from one cached sample, and no response, however provoked, showing a path
// or a stack.

import { connect, type Socket } from 'node:net';
import { renameSync } from 'node:fs';
import t from 'tap';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';
import { REPO, startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const tree = copyTree(ZOMBIE_TREE);
t.teardown(tree.remove);
const HEADER_TIMEOUT_MS = 1000;
const ex = await startExporter([
  `--path.procfs=${tree.dir}`,
  '--sample.interval=1h',
  `--web.read-header-timeout=${HEADER_TIMEOUT_MS}ms`,
]);
t.teardown(() => ex.stop());
const [host, port] = [ex.address.split(':')[0]!, Number(ex.address.split(':')[1])];
await waitFor('the first sample', async () => (await fetch(`${ex.url}/metrics`)).status === 200);

/** A raw socket that resolves how long after connecting the server closed it, and what it said. */
function rawClient(): { socket: Socket; closed: Promise<{ afterMs: number; said: string }> } {
  const socket = connect({ host, port });
  const started = Date.now();
  let said = '';
  socket.on('data', (c: Buffer) => (said += c.toString('latin1')));
  socket.on('error', () => undefined);
  // 'close' follows an 'error' (a reset) too; events.once would reject on the error instead.
  const closed = new Promise<{ afterMs: number; said: string }>((resolve) =>
    socket.on('close', () => resolve({ afterMs: Date.now() - started, said })),
  );
  return { socket, closed };
}

t.test('slowloris: trickled headers and silent sockets are cut off; scrapes go on', async (t) => {
  const clients = Array.from({ length: 30 }, (_, i) => {
    const c = rawClient();
    if (i % 3 !== 0) {
      // One header byte at a time, well inside any idle timeout, never finishing the headers.
      c.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      const header = 'X-Slow: '.padEnd(200, 'a');
      let at = 0;
      const timer = setInterval(
        () => (c.socket.destroyed ? clearInterval(timer) : c.socket.write(header[at++ % header.length]!)),
        100,
      );
      void c.closed.then(() => clearInterval(timer));
    }
    return c;
  });
  t.teardown(() => clients.forEach((c) => c.socket.destroy()));
  // Scrapes while 30 sockets are held open.
  for (let i = 0; i < 10; i++)
    t.equal((await fetch(`${ex.url}/metrics`)).status, 200, `scrape ${i} while the slow clients hang on`);
  const results = await Promise.all(clients.map((c) => c.closed));
  const latest = Math.max(...results.map((r) => r.afterMs));
  // The deadline is checked once a second at most (a quarter of the timeout here): timeout + check + slack.
  t.ok(latest < HEADER_TIMEOUT_MS + 1500, `every slow client closed by the server within ${latest} ms`);
  t.ok(
    results.every((r) => r.afterMs >= HEADER_TIMEOUT_MS * 0.9),
    'not before the timeout',
  );
  const trickled = results.filter((_, i) => i % 3 !== 0);
  t.ok(
    trickled.every((r) => r.said === '' || r.said.startsWith('HTTP/1.1 408')),
    'a trickler gets 408 or nothing, never a scrape',
  );
  t.equal((await fetch(`${ex.url}/metrics`)).status, 200);
});

t.test('500 concurrent scrapes are served from the cached sample', async (t) => {
  const before = parseExposition(await (await fetch(`${ex.url}/metrics`)).text());
  const started = Date.now();
  const bodies = await Promise.all(
    Array.from({ length: 500 }, async () => {
      const res = await fetch(`${ex.url}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
      t.equal(res.status, 200);
      return (await res.text())
        .split('\n')
        .filter((l) => l.startsWith('proctable_') || l.startsWith('zombie_exporter_'))
        .join('\n');
    }),
  );
  const ms = Date.now() - started;
  t.equal(new Set(bodies).size, 1, 'one sample, one text: every scrape got the same');
  const after = parseExposition(await (await fetch(`${ex.url}/metrics`)).text());
  t.equal(
    valueOf(after, 'zombie_exporter_samples_total'),
    valueOf(before, 'zombie_exporter_samples_total'),
    'no scrape caused a walk',
  );
  t.comment(`500 concurrent scrapes in ${ms} ms`);
});

t.test('no response reveals a path or a stack', async (t) => {
  // An exporter whose samples fail, so /healthz carries failure text.
  const failing = await startExporter([`--path.procfs=${tree.dir}`, '--sample.interval=100ms']);
  t.teardown(() => failing.stop());
  await waitFor('its first sample', async () => (await fetch(`${failing.url}/healthz`)).status === 200);
  renameSync(`${tree.dir}/loadavg`, `${tree.dir}/loadavg.gone`);
  const raw = async (request: string): Promise<string> => {
    const c = rawClient();
    c.socket.end(request);
    return (await c.closed).said;
  };
  const responses: [string, string][] = [];
  for (const path of [
    '/metrics',
    '/',
    '/healthz',
    '/api/v1/snapshot',
    '/api/v1/history',
    '/nope',
    '/../../etc/passwd',
    '/%2e%2e/%00',
    '/metrics?x=<script>',
  ]) {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const res = await fetch(`${ex.url}${path}`, { method });
      responses.push([`${method} ${path} ${res.status}`, `${JSON.stringify([...res.headers])}\n${await res.text()}`]);
    }
  }
  const provoked = [
    'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
    'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'GET /%%%zz HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /metrics HTTP/9.9\r\n\r\n',
    'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n',
    'TRACE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'GET /metrics HTTP/1.1\r\nHo\u0000st: x\r\n\r\n',
    '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003',
  ];
  for (const request of provoked)
    responses.push([JSON.stringify(request.replace(/a{100,}/, 'a...')), await raw(request)]);
  await waitFor('the failure to reach /healthz', async () =>
    (await (await fetch(`${failing.url}/healthz`)).text()).includes('loadavg'),
  );
  responses.push(['GET /healthz failing', await (await fetch(`${failing.url}/healthz`)).text()]);
  responses.push(['GET / failing', await (await fetch(`${failing.url}/`)).text()]);
  for (const [what, text] of responses) {
    t.notMatch(text, REPO, `${what}: no repository path`);
    t.notMatch(text, tree.dir, `${what}: no proc root path`);
    t.notMatch(text, /^\s+at |node:internal|\.[jt]s:\d+/m, `${what}: no stack frame`);
  }
  const statuses = responses.map(([what]) => what).join('\n');
  t.match(statuses, 'POST /metrics 405');
  t.match(statuses, 'PATCH /metrics 405');
  t.match(responses.find(([w]) => w.includes('TRACE'))![1], /^HTTP\/1\.1 405 /, 'TRACE: 405');
  t.match(responses.find(([w]) => w.includes('Content-Length: 5'))![1], /^HTTP\/1\.1 413 /, 'a body: 413');
  t.match(responses.find(([w]) => w.includes('X-Big'))![1], /^HTTP\/1\.1 431 /, 'huge headers: 431');
  renameSync(`${tree.dir}/loadavg.gone`, `${tree.dir}/loadavg`);
});
