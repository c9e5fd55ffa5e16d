import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import t from 'tap';
import { buildApp } from '../../src/http/app.js';
import { warmUp } from '../../src/http/warm-up.js';
import { createLogger } from '../../src/log.js';
import { Exposition } from '../../src/metrics/exposition.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const sample = (): Sample => createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take();

function app(latest: Sample | undefined, render: () => Promise<string>) {
  return buildApp({
    telemetryPath: '/metrics',
    sampleIntervalMs: 5000,
    version: '9.9.9',
    samples: { latest, lastFailure: undefined },
    exposition: async () => new Exposition(await render()),
    logger: createLogger('error', 'logfmt', () => {
      // The log is not what these tests look at.
    }),
  });
}

t.test('runs the real route in memory, plain and gzip, and reports each status', async (t) => {
  let renders = 0;
  const a = app(sample(), async () => (renders++, '# TYPE m gauge\nm 1\n'));
  t.teardown(() => a.close());
  await a.ready();
  const statuses = await warmUp(a.server, [{ path: '/metrics' }, { path: '/metrics', gzip: true }, { path: '/nope' }]);
  t.same(statuses, [200, 200, 404]);
  t.equal(renders, 2, 'the handler rendered the exposition for both /metrics requests');
});

t.test('before the first sample the route answers 503, and warmUp says so', async (t) => {
  let renders = 0;
  const a = app(undefined, async () => (renders++, 'm 1\n'));
  t.teardown(() => a.close());
  await a.ready();
  t.same(await warmUp(a.server, [{ path: '/metrics' }]), [503]);
  t.equal(renders, 0);
});

t.test('the request reaches the server as a GET with the gzip header asked for', async (t) => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers['accept-encoding'] ?? '-'} ${req.headers.connection}`);
    res.end('ok');
  });
  t.same(await warmUp(server, [{ path: '/a' }, { path: '/b', gzip: true }]), [200, 200]);
  t.same(seen, ['GET /a - close', 'GET /b gzip close']);
});

t.test('a server that never answers: rejected after the timeout, with its stream destroyed', async (t) => {
  let socket: Socket | undefined;
  const server: Server = createServer((req) => {
    socket = req.socket;
  });
  await t.rejects(
    warmUp(server, [{ path: '/metrics' }], 100),
    /no response to the warm-up request for \/metrics within 100 ms/,
  );
  t.equal(socket?.destroyed, true);
});

t.test('a server that drops the connection without a response: rejected', async (t) => {
  const server = createServer((req) => {
    req.socket.destroy();
  });
  await t.rejects(warmUp(server, [{ path: '/metrics' }]), /the warm-up request for \/metrics got no HTTP response/);
});
