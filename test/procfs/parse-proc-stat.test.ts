import t from 'tap';
import { emptyStatFields, parseProcessor, parseStat, parseStatInto } from '../../src/procfs/parse-proc-stat.js';

/**
 * Every state letter a Linux kernel has printed in stat field 3, written out from fs/proc/array.c's
 * task_state_array (not imported from the parser, so a letter dropped from the parser's list fails here): today's
 * R S D T t X Z P I, the 3.x era's x (dead), K (wakekill) and W (waking), and 2.6's W (paging).
 */
const KERNEL_STATE_LETTERS = ['R', 'S', 'D', 'T', 't', 'X', 'Z', 'P', 'I', 'x', 'K', 'W'] as const;

/** A full 52-field stat line, as the kernel prints it, with the fields the exporter reads set. */
function line(
  o: {
    pid?: number;
    comm?: string;
    state?: string;
    ppid?: number;
    utime?: string;
    stime?: string;
    threads?: string;
    start?: string;
  } = {},
): string {
  const f = [
    String(o.pid ?? 42),
    `(${o.comm ?? 'cat'})`,
    o.state ?? 'S',
    String(o.ppid ?? 7),
    '42',
    '42',
    '0',
    '-1',
    '4194560',
    '100',
    '0',
    '0',
    '0',
    o.utime ?? '11',
    o.stime ?? '22',
    '-3',
    '-4',
    '20',
    '-5',
    o.threads ?? '1',
    '0',
    o.start ?? '3000',
    '1000000',
    '100',
    '18446744073709551615',
  ];
  while (f.length < 52) f.push('0');
  return `${f.join(' ')}\n`;
}
const parse = (text: string | Buffer) => parseStat(typeof text === 'string' ? Buffer.from(text) : text);
const ok = (text: string | Buffer) => {
  const r = parse(text);
  if (!r.ok) throw new Error(`expected a parse, got ${r.failure}`);
  return r.value;
};

t.test('a real line from this kernel', async (t) => {
  const s = ok(
    '2131 (python3) Z 2069 2066 1018 0 -1 4227148 216 0 0 0 0 0 0 0 20 0 1 0 307840 0 0 18446744073709551615 0 0 0 0 0 0 0 16781318 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n',
  );
  t.same(s, {
    pid: 2131,
    comm: 'python3',
    state: 'Z',
    ppid: 2069,
    utimeTicks: 0,
    stimeTicks: 0,
    numThreads: 1,
    startTimeTicks: 307840,
  });
});

t.test('fields are read by position after the comm', async (t) => {
  const s = ok(
    line({ pid: 9, comm: 'x', state: 'R', ppid: 3, utime: '123', stime: '456', threads: '17', start: '999' }),
  );
  t.same(s, {
    pid: 9,
    comm: 'x',
    state: 'R',
    ppid: 3,
    utimeTicks: 123,
    stimeTicks: 456,
    numThreads: 17,
    startTimeTicks: 999,
  });
});

t.test('comm may hold spaces, parentheses and newlines; the last ) wins', async (t) => {
  t.equal(ok(line({ comm: 'a b ) ( c d' })).comm, 'a b ) ( c d');
  t.equal(ok(line({ comm: 'a b ) ( c d' })).state, 'S');
  const tricky = ok(line({ comm: 'fake) Z 1 (x', state: 'S', ppid: 77 }));
  t.equal(tricky.comm, 'fake) Z 1 (x');
  t.equal(tricky.state, 'S', 'the state after the real ) is read, not the one inside comm');
  t.equal(tricky.ppid, 77);
  t.equal(ok(line({ comm: 'two\nlines' })).comm, 'two\nlines');
  t.equal(ok(line({ comm: ')' })).comm, ')');
  t.equal(ok(line({ comm: '' })).comm, '');
  t.equal(ok(line({ comm: '((((' })).comm, '((((');
});

t.test('invalid UTF-8 in comm becomes U+FFFD, and ASCII around it survives', async (t) => {
  const bytes = Buffer.concat([
    Buffer.from('5 (a'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from(line().slice(line().indexOf(')'))),
  ]);
  const s = ok(bytes);
  t.equal(s.comm, 'a\uFFFD\uFFFD');
  t.equal(s.state, 'S');
});

t.test('2^64-1 in a read field neither throws nor wraps', async (t) => {
  const s = ok(line({ utime: '18446744073709551615', start: '18446744073709551615' }));
  t.ok(s.utimeTicks > 1.8e19, 'saturates to a large positive double');
  t.ok(s.startTimeTicks > 1.8e19);
  t.equal(ok(line()).ppid, 7, 'and rsslim at 2^64-1 (unread) does not disturb the rest');
});

t.test('kernel threads: ppid 2 or 0, state I, one thread', async (t) => {
  const s = ok(line({ comm: 'kworker/0:1H-events_highpri', state: 'I', ppid: 2 }));
  t.equal(s.state, 'I');
  t.equal(s.comm, 'kworker/0:1H-events_highpri');
  t.equal(ok(line({ comm: 'kthreadd', ppid: 0 })).ppid, 0);
});

t.test('every state letter the kernel has printed parses; any other letter is a bad state', async (t) => {
  for (const st of KERNEL_STATE_LETTERS) t.equal(ok(line({ state: st })).state, st, `state ${st}`);
  for (let code = 0x21; code < 0x7f; code++) {
    const st = String.fromCharCode(code);
    if ((KERNEL_STATE_LETTERS as readonly string[]).includes(st) || st === '(' || st === ')') continue;
    const r = parse(line({ state: st }));
    t.same(r.ok ? r.value.state : r.failure, 'bad_state', `state ${JSON.stringify(st)}`);
  }
});

t.test('a junk line after the stat line is ignored, even with a ) in it', async (t) => {
  t.equal(ok(`${line({ ppid: 5 })}garbage) Q 9 9\n`).ppid, 5);
  t.equal(ok(`${line({ ppid: 5 })}more junk\n`).ppid, 5);
});

t.test('the length argument bounds what is read', async (t) => {
  const buf = Buffer.alloc(4096, 0x41);
  const text = line({ ppid: 12 });
  buf.write(text);
  const r = parseStat(buf, Buffer.byteLength(text));
  t.ok(r.ok && r.value.ppid === 12);
});

t.test('malformed input is a typed failure, never a throw', async (t) => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['42 cat S 1 2', 'no_comm'],
    ['42 (cat', 'truncated'],
    ['42 (cat)', 'truncated'],
    ['42 (cat) S', 'truncated'],
    ['42 (cat) S 1 2 3 4 5 6 7 8', 'truncated'],
    [line().slice(0, 60), 'truncated'],
    [line().split(' ').slice(0, 22).join(' '), 'truncated'],
    [`${line().split(' ').slice(0, 22).join(' ')}\n`, 'truncated'],
    [line({ threads: '' }).replace('  ', ' ').split(' ').slice(0, 21).join(' '), 'truncated'],
    [line({ state: 'Q' }), 'bad_state'],
    [line({ state: 'SS' }), 'bad_state'],
    [line({ threads: 'x' }), 'bad_number'],
    [line({ start: '-5' }), 'bad_number'],
    [line({ utime: '' }).replace('  ', ' '), 'bad_number'],
    [line().replace(/^42/, 'abc'), 'bad_number'],
    [line().replace(/^42 /, '42'), 'bad_number'],
    ['(cat) S 1 2', 'bad_number'],
  ];
  for (const [text, failure] of cases) {
    const r = parse(text);
    t.same(r, { ok: false, failure }, JSON.stringify(text.slice(0, 40)));
  }
});

t.test('parseProcessor reads field 39, the CPU the task last ran on, from what the fast parse left', async (t) => {
  const fields = emptyStatFields();
  // This machine's stat of a zombie that last ran on CPU 1 (kernel 6.18).
  const real = Buffer.from(
    '2131 (python3) Z 2069 2066 1018 0 -1 4227148 216 0 0 0 0 0 0 0 20 0 1 0 307840 0 0 18446744073709551615 0 0 0 0 0 0 0 16781318 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n',
  );
  t.equal(parseStatInto(real, 0, real.length, fields), null);
  t.equal(parseProcessor(real, fields), 1);
  const f = line().trimEnd().split(' ');
  f[38] = '13';
  const buf = Buffer.from(`${f.join(' ')}\n`);
  parseStatInto(buf, 0, buf.length, fields);
  t.equal(parseProcessor(buf, fields), 13);
  // In a batch buffer the record is followed by the next one's bytes: the end given to the parser bounds the search.
  const cut = Buffer.from(`${f.slice(0, 30).join(' ')}\n99 (next) S 1 2 3`);
  t.equal(parseStatInto(cut, 0, cut.indexOf('\n') + 1, fields), null);
  t.equal(parseProcessor(cut, fields), -1, 'a line that stops before field 39');
  f[38] = '-1';
  const neg = Buffer.from(`${f.join(' ')}\n`);
  parseStatInto(neg, 0, neg.length, fields);
  t.equal(parseProcessor(neg, fields), -1, 'not a CPU number');
});
