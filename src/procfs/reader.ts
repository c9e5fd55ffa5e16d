// The only code that touches the disk: reads files under the proc root (--path.procfs) with plain sync syscalls,
// every file opened non-blocking and read only when it is a regular file (read-regular-file.ts).

import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { readRegularInto, readRegularText } from '../read-regular-file.js';
import { loadNativeStatBatch } from './native-stat-batch.js';
import { pidOfName } from './pid-name.js';

/** What the walk and the host-facts reader need from a proc root; tests wrap it to inject faults. */
export interface ProcReader {
  /** The proc root, e.g. /proc or /host/proc. */
  readonly root: string;
  /** The pid entries of the root (thread-group leaders), in directory order. Throws when the root can't be listed. */
  listPids(): PidListing;
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

/** A listing of the proc root under the rule of pid-name.ts. */
export interface PidListing {
  pids: number[];
  /** Entries that begin with a digit and are no pid ("00012", "2147483648"): counted as skipped, not_a_pid. */
  notPids: number;
}

/** The native reader bound to a root: the listing and the stat reads of a walk in a few calls. */
export interface NativeRootReader {
  /** The root's pids into `out`: the count, or -(count so far) - 1 when `out` is full; notPids[0] as in PidListing. */
  listPids(out: Int32Array, notPids: Int32Array): number;
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
        listPids: (out: Int32Array, notPids: Int32Array) => native.listPids(base, out, notPids),
        readStats: (pids: Int32Array, from: number, out: Buffer) => native.readStats(base, pids, from, out),
      },
    }),
    listPids() {
      const listing: PidListing = { pids: [], notPids: 0 };
      for (const name of readdirSync(base)) {
        const pid = pidOfName(name);
        if (pid > 0) listing.pids.push(pid);
        else if (pid < 0) listing.notPids++;
      }
      return listing;
    },
    readPidFile(pid, name, buf) {
      // One read into a reused buffer: procfs generates the whole file on the first read when the buffer is big
      // enough, and readFileSync's second read would cost more per process (docs/performance.md).
      return readRegularInto(`${base}/${pid}/${name}`, buf);
    },
    readText(relPath) {
      return readRegularText(`${base}/${relPath}`);
    },
    readLink(relPath) {
      return readlinkSync(`${base}/${relPath}`);
    },
    realRoot() {
      return realpathSync(base);
    },
    readPasswd() {
      try {
        // /etc/passwd may be a symlink on the host (a distribution's /etc/static); it is still read only if regular.
        return readRegularText(`${base}/1/root/etc/passwd`, true);
      } catch (err) {
        // Another proc root (a host's /proc mounted in a container) has its own users: this machine's would misname.
        if (base !== '/proc') throw err;
        return readFileSync('/etc/passwd', 'utf8');
      }
    },
  };
}

/**
 * Why a pid was skipped in a walk; a bounded set that becomes the `reason` label of skipped_pids_total. not_regular:
 * its stat is a FIFO, a device, a directory or a symlink, never read; not_a_pid: a directory entry that begins with
 * a digit and names no pid.
 */
export type SkipReason = 'vanished' | 'permission' | 'malformed' | 'io_error' | 'not_regular' | 'not_a_pid';

export const SKIP_REASONS: readonly SkipReason[] = [
  'vanished',
  'permission',
  'malformed',
  'io_error',
  'not_regular',
  'not_a_pid',
];

/** The reasons a read can fail with (not_a_pid comes from a listing, never a read). */
export type ReadSkipReason = Exclude<SkipReason, 'not_a_pid'>;

/** Maps a read error to a skip reason: a pid that exited between listing and reading is expected, not an error. */
export function skipReasonFor(err: unknown): ReadSkipReason {
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ESRCH') return 'vanished';
  if (code === 'EACCES' || code === 'EPERM') return 'permission';
  if (code === 'ENOTREG' || code === 'ELOOP' || code === 'EISDIR') return 'not_regular';
  return 'io_error';
}
