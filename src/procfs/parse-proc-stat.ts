// Pure parser for /proc/[pid]/stat (proc(5)): bytes in, the fields the exporter uses or a typed failure out; never throws.

import type { Parsed } from '../parsed.js';

/**
 * The fields of /proc/[pid]/stat the exporter uses, numbered as in proc(5). The walk fills one of these per process
 * into a reused object, so the hot path allocates nothing; comm stays as byte offsets until someone needs it.
 */
export interface StatFields {
  /** (1) Process id as the file states it; the walk trusts the directory name instead. */
  pid: number;
  /** (2) Executable name: bytes [commStart, commEnd) of the buffer (task->comm, at most 15 bytes for user tasks). */
  commStart: number;
  commEnd: number;
  /** (3) Scheduler state letter: R running, S sleeping, D uninterruptible, Z zombie, T stopped, t traced, X dead, I idle. */
  state: string;
  /** (4) Parent's pid as seen from the procfs mount's PID namespace; 0 when the parent is outside it. */
  ppid: number;
  /** (14) User-mode CPU time in clock ticks (USER_HZ). */
  utimeTicks: number;
  /** (15) Kernel-mode CPU time in clock ticks (USER_HZ). */
  stimeTicks: number;
  /** (20) Threads in the thread group; a reapable zombie has 1, an exited leader with live threads more. */
  numThreads: number;
  /** (22) Start time in clock ticks after boot; with pid it identifies a process across pid reuse. */
  startTimeTicks: number;
  /**
   * Bytes [restStart, restEnd) of the buffer hold the fields after the start time, which the walk does not parse for
   * every process; parseProcessor reads field 39 from there for the few that need it.
   */
  restStart: number;
  restEnd: number;
}

/** A parsed stat file with comm decoded, for callers outside the walk's hot path. */
export interface ProcStat extends Omit<StatFields, 'commStart' | 'commEnd' | 'restStart' | 'restEnd'> {
  /** Decoded as UTF-8; bytes that are not UTF-8 become U+FFFD. */
  comm: string;
}

/** Why a stat file was rejected; a bounded set, used as the detail of a `malformed` skip. */
export type StatParseFailure = 'empty' | 'no_comm' | 'truncated' | 'bad_state' | 'bad_number';

/**
 * Every state letter any Linux kernel has printed in field 3 (fs/proc/array.c task_state_array, including the
 * 2.6-era x, K, W and P). Anything else is not a stat line, and rejecting it keeps the state label bounded.
 */
const KNOWN_STATES: ReadonlySet<string> = new Set(['R', 'S', 'D', 'Z', 'T', 't', 'X', 'x', 'K', 'W', 'P', 'I']);
const IS_STATE = new Uint8Array(128);
for (const s of KNOWN_STATES) IS_STATE[s.charCodeAt(0)] = 1;

const SPACE = 0x20;
const NEWLINE = 0x0a;
const OPEN = 0x28; // '('
const CLOSE = 0x29; // ')'
const ZERO = 0x30;

// Fields we read, counted from the state (field 3) as 0: field n is index n - 3.
const PPID = 1;
const UTIME = 11;
const STIME = 12;
const NUM_THREADS = 17;
const STARTTIME = 19;

export function emptyStatFields(): StatFields {
  return {
    pid: 0,
    commStart: 0,
    commEnd: 0,
    state: '',
    ppid: 0,
    utimeTicks: 0,
    stimeTicks: 0,
    numThreads: 0,
    startTimeTicks: 0,
    restStart: 0,
    restEnd: 0,
  };
}

/** True when buf[close] is a ')' followed by " X" and a separator, X a state letter: the end of a real comm. */
function closesComm(buf: Uint8Array, close: number, end: number): boolean {
  if (close + 2 >= end || buf[close + 1] !== SPACE || IS_STATE[buf[close + 2]!] !== 1) return false;
  return close + 3 === end || buf[close + 3] === SPACE || buf[close + 3] === NEWLINE;
}

/**
 * Parses a stat file held in buf[start, end) into `out` and returns null, or returns why it can't. comm offsets in
 * `out` index `buf` itself, so a batch of files can share one buffer. comm runs from
 * the first '(' to the LAST ')' that is followed by a state letter: comm may hold spaces, parentheses and newlines
 * (a task can name itself `x) Z 1 (y`), while the fields after it never hold ')'; checking the state letter also
 * skips a ')' in trailing junk. Numbers accumulate in a double, so 2^64-1 (the kernel's "unlimited") becomes
 * 1.8446744073709552e19: imprecise, but never negative or wrapped, and no BigInt on the hot path.
 */
export function parseStatInto(buf: Buffer, start: number, end: number, out: StatFields): StatParseFailure | null {
  if (end <= start) return 'empty';
  const open = buf.indexOf(OPEN, start);
  if (open < 0 || open >= end) return 'no_comm';
  let close = buf.lastIndexOf(CLOSE, end - 1);
  while (close > open && !closesComm(buf, close, end)) close = buf.lastIndexOf(CLOSE, close - 1);
  if (close <= open) {
    // Tell a line cut off before its state from one whose state is not a state.
    const last = buf.lastIndexOf(CLOSE, end - 1);
    return last > open && last + 2 < end ? 'bad_state' : 'truncated';
  }

  let pid = 0;
  if (open < start + 2 || buf[open - 1] !== SPACE) return 'bad_number';
  for (let i = start; i < open - 1; i++) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) return 'bad_number';
    pid = pid * 10 + d;
  }

  // One pass over the fields after the state, parsing only the ones we keep; stop at the end of the first line.
  let field = 1;
  let value = 0;
  let digits = 0;
  for (let i = close + 4; i <= end; i++) {
    const c = i === end ? NEWLINE : buf[i]!;
    if (c === SPACE || c === NEWLINE) {
      // Every kernel prints fields past starttime, so a line that ends before starttime's closing space was cut.
      if (c === NEWLINE) return 'truncated';
      switch (field) {
        case PPID:
          if (digits === 0) return 'bad_number';
          out.ppid = value;
          break;
        case UTIME:
          if (digits === 0) return 'bad_number';
          out.utimeTicks = value;
          break;
        case STIME:
          if (digits === 0) return 'bad_number';
          out.stimeTicks = value;
          break;
        case NUM_THREADS:
          if (digits === 0) return 'bad_number';
          out.numThreads = value;
          break;
        case STARTTIME:
          if (digits === 0) return 'bad_number';
          out.startTimeTicks = value;
          out.restStart = i + 1;
          out.restEnd = end;
          out.pid = pid;
          out.commStart = open + 1;
          out.commEnd = close;
          out.state = String.fromCharCode(buf[close + 2]!);
          return null;
      }
      field++;
      value = 0;
      digits = 0;
    } else {
      const d = c - ZERO;
      if (d >= 0 && d <= 9) {
        value = value * 10 + d;
        digits++;
      } else if (field === PPID || field === UTIME || field === STIME || field === NUM_THREADS || field === STARTTIME) {
        return 'bad_number'; // fields we skip may be signed (priority, nice); ours are unsigned decimals
      }
    }
  }
  return 'truncated';
}

/** Fields after the start time (22) up to the processor (39): the 16 to step over. */
const FIELDS_BEFORE_PROCESSOR = 39 - 22 - 1;

/**
 * (39) The CPU the task last ran on, read from the part of the line parseStatInto left unparsed; -1 when the line
 * stops before it (kernels before 2.2) or it is not a number. For a zombie, the CPU whose clock its exit is on.
 */
export function parseProcessor(buf: Buffer, out: StatFields): number {
  let i = out.restStart;
  for (let skipped = 0; skipped < FIELDS_BEFORE_PROCESSOR; i++) {
    if (i >= out.restEnd || buf[i] === NEWLINE) return -1;
    if (buf[i] === SPACE) skipped++;
  }
  let value = 0;
  let digits = 0;
  for (; i < out.restEnd; i++) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    digits++;
  }
  return digits > 0 && digits <= 6 && (i === out.restEnd || buf[i] === SPACE || buf[i] === NEWLINE) ? value : -1;
}

/** Decodes comm from a buffer parseStatInto filled `out` from. */
export function decodeComm(buf: Buffer, out: StatFields): string {
  return buf.toString('utf8', out.commStart, out.commEnd);
}

/** Parses a whole stat file into a fresh ProcStat with comm decoded (allocates; the walk uses parseStatInto). */
export function parseStat(buf: Buffer, len: number = buf.length): Parsed<ProcStat, StatParseFailure> {
  const out = emptyStatFields();
  const failure = parseStatInto(buf, 0, len, out);
  if (failure !== null) return { ok: false, failure };
  const { commStart: _s, commEnd: _e, restStart: _r, restEnd: _re, ...rest } = out;
  return { ok: true, value: { ...rest, comm: decodeComm(buf, out) } };
}
