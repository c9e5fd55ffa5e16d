import t from 'tap';
import { createLogger } from '../src/log.js';

const at = () => new Date('2026-11-23T12:00:00.000Z');

t.test('logfmt quotes what needs quoting and drops undefined fields', async (t) => {
  const lines: string[] = [];
  const log = createLogger('info', 'logfmt', (l) => lines.push(l), at);
  log.info('sample failed', { source: 'loadavg', err: 'read loadavg: ENOENT', n: 3, gone: undefined });
  t.same(lines, [
    'ts=2026-11-23T12:00:00.000Z level=info msg="sample failed" source=loadavg err="read loadavg: ENOENT" n=3\n',
  ]);
});

t.test('json is one object per line', async (t) => {
  const lines: string[] = [];
  createLogger('debug', 'json', (l) => lines.push(l), at).debug('x', { a: 'b"c' });
  t.same(JSON.parse(lines[0]!), { ts: '2026-11-23T12:00:00.000Z', level: 'debug', msg: 'x', a: 'b"c' });
});

t.test('levels below the minimum are dropped', async (t) => {
  const lines: string[] = [];
  const log = createLogger('warn', 'logfmt', (l) => lines.push(l), at);
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  t.same(
    lines.map((l) => /level=(\w+)/.exec(l)![1]),
    ['warn', 'error'],
  );
});
