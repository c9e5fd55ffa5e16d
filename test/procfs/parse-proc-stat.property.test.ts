// Property tests of the stat parser over what a process can make its comm (any bytes) and what may follow the
// fields: it returns a value or a typed failure, never throws, and never misreads a well-formed line.

import fc from 'fast-check';
import t from 'tap';
import { emptyStatFields, parseStat, parseStatInto } from '../../src/procfs/parse-proc-stat.js';

const FAILURES = new Set(['empty', 'no_comm', 'truncated', 'bad_state', 'bad_number']);
/** The kernel's state letters, written out (fs/proc/array.c task_state_array, today's and older kernels'). */
const STATES = ['R', 'S', 'D', 'T', 't', 'X', 'Z', 'P', 'I', 'x', 'K', 'W'];
/** Runs per property: enough to meet every tricky byte many times, fast enough for npm test. */
const RUNS = { numRuns: 3000 };

/** comm bytes: anything, biased towards the bytes that matter to the parser (space, parens, newline, digits). */
const commBytes = fc.array(
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        0x20,
        0x28,
        0x29,
        0x0a,
        0x00,
        0x22,
        0x5c,
        0x7b,
        0x7d,
        0xff,
        0xc3,
        0x80,
        ...Array.from('0123456789ZS').map((c) => c.charCodeAt(0)),
      ),
    },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) },
  ),
  { maxLength: 64 },
);

/** The fields after comm as the kernel prints them: state, then 49 numbers, some of which may be negative. */
const fields = fc.record({
  pid: fc.integer({ min: 1, max: 4_194_304 }),
  state: fc.constantFrom(...STATES),
  ppid: fc.integer({ min: 0, max: 4_194_304 }),
  utime: fc.nat(),
  stime: fc.nat(),
  priority: fc.integer({ min: -100, max: 39 }),
  nice: fc.integer({ min: -20, max: 19 }),
  threads: fc.integer({ min: 1, max: 100_000 }),
  start: fc.nat(),
  /**
   * Fields after start time: the kernel has added some over the years and a parser must not care how many, but
   * every kernel prints some (vsize at least), so a line ending at start time is taken as cut short.
   */
  tail: fc.array(fc.oneof(fc.nat(), fc.integer({ min: -1000, max: -1 }), fc.constant('18446744073709551615')), {
    minLength: 1,
    maxLength: 40,
  }),
});

type Fields = typeof fields extends fc.Arbitrary<infer T> ? T : never;

function statLine(comm: number[], f: Fields): Buffer {
  const after = [
    f.state,
    f.ppid,
    1,
    1,
    0,
    -1,
    4194560,
    0,
    0,
    0,
    0,
    f.utime,
    f.stime,
    0,
    0,
    f.priority,
    f.nice,
    f.threads,
    0,
    f.start,
    ...f.tail,
  ];
  return Buffer.concat([Buffer.from(`${f.pid} (`), Buffer.from(comm), Buffer.from(`) ${after.join(' ')}\n`)]);
}

t.test('a well-formed line is read exactly, whatever its comm', async (t) => {
  fc.assert(
    fc.property(commBytes, fields, (comm, f) => {
      const r = parseStat(statLine(comm, f));
      if (!r.ok) throw new Error(`rejected: ${r.failure}`);
      const s = r.value;
      return (
        s.pid === f.pid &&
        s.state === f.state &&
        s.ppid === f.ppid &&
        s.utimeTicks === f.utime &&
        s.stimeTicks === f.stime &&
        s.numThreads === f.threads &&
        s.startTimeTicks === f.start &&
        s.comm === Buffer.from(comm).toString('utf8')
      );
    }),
    RUNS,
  );
  t.pass('state, ppid, threads, times and comm all exact');
});

t.test('anything after the start time is ignored once a space ends it', async (t) => {
  fc.assert(
    fc.property(commBytes, fields, fc.uint8Array({ maxLength: 200 }), (comm, f, junk) => {
      const line = statLine(comm, { ...f, tail: [0] });
      const cut = Buffer.concat([line.subarray(0, line.length - 3), Buffer.from(' '), junk]);
      const r = parseStat(cut);
      return r.ok && r.value.state === f.state && r.value.ppid === f.ppid && r.value.startTimeTicks === f.start;
    }),
    RUNS,
  );
  t.pass();
});

t.test('arbitrary bytes anywhere: a value or a typed failure, never a throw, never an unknown state', async (t) => {
  const check = (buf: Buffer) => {
    const r = parseStat(buf);
    if (!r.ok) return FAILURES.has(r.failure);
    return (
      STATES.includes(r.value.state) && Number.isFinite(r.value.ppid) && r.value.ppid >= 0 && r.value.numThreads >= 0
    );
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => check(Buffer.from(bytes))),
    RUNS,
  );
  // Well-formed lines with bytes flipped, cut or spliced: the cases a half-written or hostile file produces.
  fc.assert(
    fc.property(commBytes, fields, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (comm, f, at, cutAt, byte) => {
      const line = statLine(comm, f);
      const flipped = Buffer.from(line);
      flipped[at % line.length] = byte;
      return check(flipped) && check(line.subarray(0, cutAt % (line.length + 1)));
    }),
    RUNS,
  );
  t.pass();
});

t.test('parseStatInto stays inside the range it is given', async (t) => {
  fc.assert(
    fc.property(
      commBytes,
      fields,
      fc.uint8Array({ maxLength: 50 }),
      fc.uint8Array({ maxLength: 50 }),
      (comm, f, before, after) => {
        const line = statLine(comm, f);
        // Junk on both sides of the line in one buffer, as the native reader's batch holds many files back to back.
        const buf = Buffer.concat([Buffer.from(before), line, Buffer.from(after)]);
        const out = emptyStatFields();
        const failure = parseStatInto(buf, before.length, before.length + line.length, out);
        return (
          failure === null &&
          out.ppid === f.ppid &&
          out.state === f.state &&
          buf.subarray(out.commStart, out.commEnd).equals(Buffer.from(comm))
        );
      },
    ),
    RUNS,
  );
  t.pass();
});
