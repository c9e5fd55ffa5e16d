// Pure parser for /proc/[pid]/stat (proc(5)): bytes in, a ProcStat or a typed parse failure out; never throws.

/** The fields of /proc/[pid]/stat the exporter uses. Field numbers follow proc(5). */
export interface ProcStat {
  /** (1) Process id as the file states it; the walk trusts the directory name instead. */
  pid: number;
  /** (2) Executable name (task->comm, at most 15 bytes for user tasks), decoded as UTF-8 with U+FFFD for bad bytes. */
  comm: string;
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
}

/** Why a stat file was rejected; a bounded set, used as the `reason` detail in logs. */
export type StatParseFailure = 'empty' | 'no_comm' | 'truncated' | 'bad_state' | 'bad_number';

export type StatParseResult = { ok: true; stat: ProcStat } | { ok: false; failure: StatParseFailure };

/**
 * Every state letter any Linux kernel has printed in field 3 (fs/proc/array.c task_state_array, including the
 * 2.6-era x, K, W and P). Anything else is not a stat line, and rejecting it keeps the state label bounded.
 */
export const KNOWN_STATES: ReadonlySet<string> = new Set(['R', 'S', 'D', 'Z', 'T', 't', 'X', 'x', 'K', 'W', 'P', 'I']);

const SPACE = 0x20;
const NEWLINE = 0x0a;
const OPEN = 0x28; // '('
const CLOSE = 0x29; // ')'
const ZERO = 0x30;
const NINE = 0x39;

// Offsets of the fields we read, counted from the state (field 3) as index 0: field n is index n - 3.
const PPID = 1;
const UTIME = 11;
const STIME = 12;
const NUM_THREADS = 17;
const STARTTIME = 19;
const LAST_NEEDED = STARTTIME;

const fail = (failure: StatParseFailure): StatParseResult => ({ ok: false, failure });

/**
 * Parses the unsigned decimal in buf[start, end). Accumulating in a double means 2^64-1 (what the kernel prints for
 * "unlimited") becomes 1.8446744073709552e19: imprecise but never negative or wrapped, and no BigInt on the hot path.
 */
function parseUnsigned(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < ZERO || c > NINE) return -1;
    value = value * 10 + (c - ZERO);
  }
  return value;
}

function isStateAt(buf: Uint8Array, closeAt: number, len: number): boolean {
  // A real closing paren is followed by " X " where X is a state letter.
  if (closeAt + 3 > len || buf[closeAt + 1] !== SPACE) return false;
  const after = closeAt + 3 === len ? NEWLINE : buf[closeAt + 3];
  return KNOWN_STATES.has(String.fromCharCode(buf[closeAt + 2]!)) && (after === SPACE || after === NEWLINE);
}

/**
 * Parses the first `len` bytes of a stat file. comm runs from the first '(' to the LAST ')' that is followed by a
 * state letter: comm may hold spaces, parentheses and newlines (a task can name itself `x) Z 1 (y`), while the fields
 * after it never hold ')'; checking the state letter also skips a ')' in trailing junk after the line.
 */
export function parseStat(buf: Uint8Array, len: number = buf.length): StatParseResult {
  if (len === 0) return fail('empty');
  let open = -1;
  for (let i = 0; i < len; i++) {
    if (buf[i] === OPEN) {
      open = i;
      break;
    }
  }
  if (open < 0) return fail('no_comm');
  let close = -1;
  for (let i = len - 1; i > open; i--) {
    if (buf[i] === CLOSE && isStateAt(buf, i, len)) {
      close = i;
      break;
    }
  }
  if (close < 0) {
    // Tell a line cut off before its state from one whose state is not a state.
    for (let i = len - 1; i > open; i--) if (buf[i] === CLOSE) return i + 3 > len ? fail('truncated') : fail('bad_state');
    return fail('truncated');
  }
  const pid = parseUnsigned(buf, 0, open - 1);
  if (pid < 0 || buf[open - 1] !== SPACE) return fail('bad_number');

  const state = String.fromCharCode(buf[close + 2]!);
  let ppid = -1;
  let utime = -1;
  let stime = -1;
  let numThreads = -1;
  let startTime = -1;
  // Walk the space-separated fields after the state; stop at the end of the first line.
  let field = 1;
  let start = close + 4;
  for (let i = start; i <= len && field <= LAST_NEEDED; i++) {
    const c = i === len ? NEWLINE : buf[i];
    if (c !== SPACE && c !== NEWLINE) continue;
    switch (field) {
      case PPID:
        ppid = parseUnsigned(buf, start, i);
        break;
      case UTIME:
        utime = parseUnsigned(buf, start, i);
        break;
      case STIME:
        stime = parseUnsigned(buf, start, i);
        break;
      case NUM_THREADS:
        numThreads = parseUnsigned(buf, start, i);
        break;
      case STARTTIME:
        startTime = parseUnsigned(buf, start, i);
        break;
    }
    field++;
    start = i + 1;
    if (c === NEWLINE) break;
  }
  if (field <= LAST_NEEDED) return fail('truncated');
  if (ppid < 0 || utime < 0 || stime < 0 || numThreads < 0 || startTime < 0) return fail('bad_number');

  const comm = Buffer.from(buf.buffer, buf.byteOffset + open + 1, close - open - 1).toString('utf8');
  return {
    ok: true,
    stat: { pid, comm, state, ppid, utimeTicks: utime, stimeTicks: stime, numThreads, startTimeTicks: startTime },
  };
}
