// --web.max-requests: scrapes past the limit are answered 503 with promhttp's words and counted; a place is held
// until the response is out or its client gone. In memory through the app, then on the built exporter with a
// client that pipelines scrapes on one connection and reads none of them until all are sent.

import { EventEmitter, once } from 'node:events';
import { connect } from 'node:net';
import t from 'tap';
import { buildApp } from '../../src/http/app.js';
import { ScrapeLimit } from '../../src/http/scrape-limit.js';
import { createLogger } from '../../src/log.js';
import { Exposition } from '../../src/metrics/exposition.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const REFUSAL = (n: number) => `Limit of concurrent requests reached (${n}), try again later.\n`;

t.test('a place is held until finish or close, whichever comes first, and given back once', async (t) => {
  let refused = 0;
  const limit = new ScrapeLimit(2, () => refused++);
  const a = new EventEmitter();
  const b = new EventEmitter();
  t.ok(limit.enter(a));
  t.ok(limit.enter(b));
  t.notOk(limit.enter(new EventEmitter()), 'a third is refused');
  t.equal(refused, 1, 'and counted');
  a.emit('finish');
  a.emit('close');
  t.equal(limit.current, 1, 'finish then close gives one place back');
  b.emit('close');
  t.equal(limit.current, 0, 'a client gone gives its place back');
  t.equal(new ScrapeLimit(0).max, 0);
  const unlimited = new ScrapeLimit(0, () => refused++);
  const entered = Array.from({ length: 1000 }, () => unlimited.enter(new EventEmitter()));
  t.ok(
    entered.every((e) => e),
    '0 is no limit',
  );
  t.equal(refused, 1, 'nothing refused there');
  t.equal(limit.refusal(), REFUSAL(2), "promhttp's words");
});

t.test('through the app: past the limit 503 at once; the others served; places come back', async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let refused = 0;
  const app = buildApp({
    telemetryPath: '/metrics',
    sampleIntervalMs: 5000,
    version: '1',
    samples: {
      latest: createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take(),
      lastFailure: undefined,
    },
    // The first scrapes wait at the gate: that is a slow rendering, or a slow client, holding its place.
    exposition: async () => {
      await gate;
      return new Exposition('m 1\n');
    },
    scrapeLimit: new ScrapeLimit(2, () => refused++),
    logger: createLogger('error', 'logfmt', () => undefined),
  });
  t.teardown(() => app.close());
  const first = [app.inject('/metrics'), app.inject('/metrics')];
  await new Promise((resolve) => setImmediate(resolve));
  const third = await app.inject('/metrics');
  t.equal(third.statusCode, 503);
  t.equal(third.body, REFUSAL(2));
  t.equal(third.headers['content-type'], 'text/plain; charset=utf-8');
  t.equal(refused, 1);
  const page = await app.inject('/');
  t.equal(page.statusCode, 200, 'only the telemetry path is limited');
  release();
  for (const r of await Promise.all(first)) t.equal(r.statusCode, 200, 'the two in flight are served');
  t.equal((await app.inject('/metrics')).statusCode, 200, 'their places are free again');
  t.equal(refused, 1);
});

/** Sends `n` scrapes down one connection at once, then reads every response; resolves their statuses and bodies. */
async function pipelined(address: string, n: number): Promise<{ status: number; body: string }[]> {
  const [host, port] = address.split(':');
  const socket = connect({ host, port: Number(port) });
  await once(socket, 'connect');
  const request = `GET /metrics HTTP/1.1\r\nhost: ${address}\r\n\r\n`;
  socket.end(request.repeat(n - 1) + request.replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n'));
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'close');
  let rest = Buffer.concat(chunks).toString('latin1');
  const responses: { status: number; body: string }[] = [];
  while (rest.length > 0) {
    const head = rest.slice(0, rest.indexOf('\r\n\r\n'));
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)![1]);
    const start = head.length + 4;
    responses.push({ status: Number(head.split(' ')[1]), body: rest.slice(start, start + length) });
    rest = rest.slice(start + length);
  }
  return responses;
}

t.test('the built exporter: pipelined scrapes past --web.max-requests get 503, and are counted', async (t) => {
  const ex = await startExporter([`--path.procfs=${ZOMBIE_TREE}`, '--sample.interval=1h', '--web.max-requests=1']);
  t.teardown(() => ex.stop());
  await waitFor('the first sample', async () => (await fetch(`${ex.url}/metrics`)).status === 200);
  // Node parses every request of a segment before the first response is out: each takes a place as it is parsed,
  // so with one place the first holds it while the rest arrive.
  const responses = await pipelined(ex.address, 8);
  t.equal(responses.length, 8, 'eight responses, in order');
  const statuses = responses.map((r) => r.status);
  t.equal(statuses[0], 200, 'the first is served');
  const refusals = responses.filter((r) => r.status === 503);
  t.ok(refusals.length >= 1, `refused: ${statuses.join(',')}`);
  t.ok(
    statuses.every((s) => s === 200 || s === 503),
    'nothing but served or refused',
  );
  t.ok(
    refusals.every((r) => r.body === REFUSAL(1)),
    "every refusal in promhttp's words",
  );
  t.comment(`8 pipelined scrapes with --web.max-requests=1: ${statuses.join(',')}`);
  // The count is rendered with the runtime families, at most a second old.
  const counted = await waitFor('the refusals counted', async () => {
    const res = await fetch(`${ex.url}/metrics`);
    const v = valueOf(parseExposition(await res.text()), 'zombie_exporter_scrapes_refused_total');
    return v === refusals.length && v;
  });
  t.equal(counted, refusals.length, 'zombie_exporter_scrapes_refused_total counts each');
});

t.test('the built exporter with --web.max-requests=0: no limit', async (t) => {
  const ex = await startExporter([`--path.procfs=${ZOMBIE_TREE}`, '--sample.interval=1h', '--web.max-requests=0']);
  t.teardown(() => ex.stop());
  await waitFor('the first sample', async () => (await fetch(`${ex.url}/metrics`)).status === 200);
  const statuses = (await pipelined(ex.address, 8)).map((r) => r.status);
  t.same(statuses, Array(8).fill(200));
});
