// The only code that touches the disk: reads files under the proc root (--path.procfs) with plain sync syscalls.

import {
  closeSync,
  constants,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
} from 'node:fs';
import { errnoCode } from '../errors.js';
import { loadNativeStatBatch } from './native-stat-batch.js';

/** What the walk and the host-facts reader need from a proc root; tests wrap it to inject faults. */
export interface ProcReader {
  /** The proc root, e.g. /proc or /host/proc. */
  readonly root: string;
  /** Numeric entries of the root (thread-group leaders), in directory order. Throws when the root can't be listed. */
  listPids(): number[];
  /** Reads `<root>/<pid>/<name>` into buf and returns the byte count; throws the syscall's error. */
  readPidFile(pid: number, name: string, buf: Buffer): number;
  /** Reads a whole small text file relative to the root (e.g. `loadavg`, `sys/kernel/pid_max`). */
  readText(relPath: string): string;
  /** The target of a symbolic link relative to the root (e.g. `1/ns/pid`); throws the syscall's error. */
  readLink(relPath: string): string;
  /** The root with symbolic links resolved, as mountinfo names mount points (`/host/proc`, not `/host/proc/`). */
  realRoot(): string;
  /** Present when the native stat reader is loaded; the walk prefers it (see native-stat-batch.ts). */
  readonly native?: NativeRootReader;
  /**
   * Reads the passwd file that names the uids of this root's processes: PID 1's own /etc/passwd through its root
   * link (which needs ptrace access to PID 1), else, when the root is this machine's own /proc, /etc/passwd.
   */
  readPasswd(): string;
}

/** The native reader bound to a root: the listing and the stat reads of a walk in a few calls. */
export interface NativeRootReader {
  /** The root's pids into `out`: the count, or -(count so far) - 1 when `out` is full. */
  listPids(out: Int32Array): number;
  /** The stat files of pids[from...] as records in `out` until it is full; returns the bytes written. */
  readStats(pids: Int32Array, from: number, out: Buffer): number;
}

export interface ProcReaderOptions {
  /** Use the native stat reader when it was built (default true); false forces node:fs. */
  native?: boolean;
}

export function createProcReader(root: string, options: ProcReaderOptions = {}): ProcReader {
  const base = root.endsWith('/') && root.length > 1 ? root.slice(0, -1) : root;
  const native = options.native === false ? undefined : loadNativeStatBatch();
  return {
    root: base,
    ...(native && {
      native: {
        listPids: (out: Int32Array) => native.listPids(base, out),
        readStats: (pids: Int32Array, from: number, out: Buffer) => native.readStats(base, pids, from, out),
      },
    }),
    listPids() {
      const pids: number[] = [];
      for (const name of readdirSync(base)) {
        // /proc lists leaders by decimal pid; anything else (self, sys, 1x) is not a process.
        const c = name.charCodeAt(0);
        if (c < 0x30 || c > 0x39) continue;
        const pid = Number(name);
        if (Number.isSafeInteger(pid) && String(pid) === name) pids.push(pid);
      }
      return pids;
    },
    readPidFile(pid, name, buf) {
      // One open/read/close: procfs generates the whole file on the first read when the buffer is big enough, and
      // readFileSync's fstat plus second read would cost a third more per process (docs/performance.md).
      const fd = openSync(`${base}/${pid}/${name}`, constants.O_RDONLY);
      try {
        return readSync(fd, buf, 0, buf.length, null);
      } finally {
        closeSync(fd);
      }
    },
    readText(relPath) {
      return readFileSync(`${base}/${relPath}`, 'utf8');
    },
    readLink(relPath) {
      return readlinkSync(`${base}/${relPath}`);
    },
    realRoot() {
      return realpathSync(base);
    },
    readPasswd() {
      try {
        return readFileSync(`${base}/1/root/etc/passwd`, 'utf8');
      } catch (err) {
        // Another proc root (a host's /proc mounted in a container) has its own users: this machine's would misname.
        if (base !== '/proc') throw err;
        return readFileSync('/etc/passwd', 'utf8');
      }
    },
  };
}

/** Why a pid was skipped in a walk; a bounded set that becomes the `reason` label of skipped_pids_total. */
export type SkipReason = 'vanished' | 'permission' | 'malformed' | 'io_error';

export const SKIP_REASONS: readonly SkipReason[] = ['vanished', 'permission', 'malformed', 'io_error'];

/** Maps a read error to a skip reason: a pid that exited between listing and reading is expected, not an error. */
export function skipReasonFor(err: unknown): SkipReason {
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ESRCH') return 'vanished';
  if (code === 'EACCES' || code === 'EPERM') return 'permission';
  return 'io_error';
}
