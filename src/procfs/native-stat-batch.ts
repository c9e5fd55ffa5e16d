// Loads the optional native stat reader (native/stat-batch.c, built by `npm install` when a compiler is present)
// and maps its errno records back to the names node:fs would use.

import { constants } from 'node:os';
import { loadNativeAddon } from '../runtime/native-addon.js';

export interface NativeStatBatch {
  /**
   * Reads <root>/<pid>/stat for pids[from], pids[from + 1], ... into `out` as records (int32 pid, int32 n, then n
   * bytes; n < 0 is -errno), one per pid, until the list ends or `out` has no room for another (8 + 4096 bytes).
   * Returns the bytes written.
   */
  readStats(root: string, pids: Int32Array, from: number, out: Buffer): number;
  /**
   * Writes the pid entries of root (pid-name.ts's rule) into `out` and returns how many, or -(count so far) - 1 when
   * `out` is full; notPids[0] becomes the count of entries that begin with a digit and are no pid. Throws, with an
   * errno `code`, when root can't be opened.
   */
  listPids(root: string, out: Int32Array, notPids: Int32Array): number;
  /** Ends the process at once, blocked worker threads and all (exit_group); see serve's shutdown. */
  exitNow(code: number): never;
}

export const RECORD_HEADER_BYTES = 8;
/** The room one record may need: its header and a whole stat buffer. */
export const RECORD_MAX_BYTES = RECORD_HEADER_BYTES + 4096;

let cached: NativeStatBatch | null | undefined;

/** The addon, or undefined when it was not built (no compiler, `--ignore-scripts`) or can't load. */
export function loadNativeStatBatch(): NativeStatBatch | undefined {
  if (cached === undefined) {
    cached = null;
    const mod = loadNativeAddon() as Partial<NativeStatBatch> | undefined;
    // An addon built before exitNow (and the three-argument listPids) is stale: node:fs until it is rebuilt.
    if (typeof mod?.readStats === 'function' && typeof mod.exitNow === 'function') cached = mod as NativeStatBatch;
  }
  return cached ?? undefined;
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** A record's n for a file that is no regular file (native/stat-batch.c NOT_REGULAR): never opened for its bytes. */
export const NOT_REGULAR = -0x80000000;

/** The code of a record's negative n: the errno name node:fs would put in err.code (-2 -> ENOENT), or ENOTREG. */
export function recordCode(n: number): string {
  if (n === NOT_REGULAR) return 'ENOTREG';
  return ERRNO_NAMES.get(-n) ?? `E${-n}`;
}
