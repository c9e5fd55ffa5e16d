// Opens files under the proc and sys roots the one safe way: non-blocking and never through a final symbolic link,
// then only when fstat says it is a regular file, as every file procfs, sysfs and cgroupfs generate is. A FIFO or a
// device where a proc file belongs (a bind mount, a fixture, another filesystem under --path.procfs) would otherwise
// block open() or read() for good; here it is refused with code ENOTREG and skipped like any unreadable file.

import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

const NO_FOLLOW = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
const FOLLOW = constants.O_RDONLY | constants.O_NONBLOCK;

/** The error of a file that is no regular file; `code` is what skip reasons and /healthz read. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(path: string) {
    super(`ENOTREG: not a regular file, open '${path}'`);
    this.name = 'NotRegularFileError';
  }
}

/**
 * Opens `path` for reading and returns the fd; throws the syscall's error, or NotRegularFileError. A final symlink
 * fails with ELOOP unless `follow` (only for files that are not the kernel's, such as a root's /etc/passwd).
 */
export function openRegular(path: string, follow = false): number {
  const fd = openSync(path, follow ? FOLLOW : NO_FOLLOW);
  let regular: boolean;
  try {
    regular = fstatSync(fd).isFile();
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (!regular) {
    closeSync(fd);
    throw new NotRegularFileError(path);
  }
  return fd;
}

/** One read of `path` into buf (procfs makes the whole file on the first read when buf is big enough); the byte count. */
export function readRegularInto(path: string, buf: Buffer): number {
  const fd = openRegular(path);
  try {
    return readSync(fd, buf, 0, buf.length, null);
  } finally {
    closeSync(fd);
  }
}

/** The whole text of `path`, however long (mountinfo, a large status). */
export function readRegularText(path: string, follow = false): string {
  const fd = openRegular(path, follow);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
