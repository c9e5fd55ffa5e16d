// Loads the optional native stat reader (native/stat-batch.c, built by `npm install` when a compiler is present)
// and maps its errno records back to the names node:fs would use.

import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { PACKAGE_ROOT } from '../package-root.js';

export interface NativeStatBatch {
  /**
   * Reads <root>/<pid>/stat for pids[from], pids[from + 1], ... into `out` as records (int32 pid, int32 n, then n
   * bytes; n < 0 is -errno), one per pid, until the list ends or `out` has no room for another (8 + 4096 bytes).
   * Returns the bytes written.
   */
  readStats(root: string, pids: Int32Array, from: number, out: Buffer): number;
  /**
   * Writes the decimal entries of root into `out` and returns how many, or -(count so far) - 1 when `out` is full.
   * Throws, with an errno `code`, when root can't be opened.
   */
  listPids(root: string, out: Int32Array): number;
}

export const RECORD_HEADER_BYTES = 8;
/** The room one record may need: its header and a whole stat buffer. */
export const RECORD_MAX_BYTES = RECORD_HEADER_BYTES + 4096;

let cached: NativeStatBatch | null | undefined;

/** The addon, or undefined when it was not built (no compiler, `--ignore-scripts`) or can't load. */
export function loadNativeStatBatch(): NativeStatBatch | undefined {
  if (cached === undefined) {
    cached = null;
    if (PACKAGE_ROOT) {
      try {
        const mod = createRequire(import.meta.url)(
          new URL('build/Release/stat_batch.node', PACKAGE_ROOT).pathname,
        ) as NativeStatBatch;
        if (typeof mod.readStats === 'function' && typeof mod.listPids === 'function') cached = mod;
      } catch {
        // not built: the walk uses node:fs
      }
    }
  }
  return cached ?? undefined;
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The errno name node:fs would put in err.code, e.g. 2 -> ENOENT. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}
