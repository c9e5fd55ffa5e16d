// The only code that reads under the sysfs root (--path.sysfs): directory listings and small files of cgroupfs.

import { readdirSync } from 'node:fs';
import { readRegularInto, readRegularText } from '../read-regular-file.js';

/** What the cgroup walk needs from a sysfs root; tests wrap it to inject faults or count reads. */
export interface SysfsReader {
  /** The sysfs root, e.g. /sys or /host/sys. */
  readonly root: string;
  /** Names of the subdirectories of `<root>/<rel>` (cgroups, in cgroupfs), in directory order; throws the syscall's error. */
  listSubdirs(rel: string): string[];
  /** The text of the small file `<root>/<rel>`; throws the syscall's error. */
  readSmall(rel: string): string;
}

/** cgroupfs files the walk reads are a line or two; a buffer this size takes any of them in one read. */
const SMALL_FILE_BYTES = 4096;

export function createSysfsReader(root: string): SysfsReader {
  const base = root.endsWith('/') && root.length > 1 ? root.slice(0, -1) : root;
  const buf = Buffer.allocUnsafe(SMALL_FILE_BYTES);
  return {
    root: base,
    listSubdirs(rel) {
      const names: string[] = [];
      // cgroupfs (kernfs) fills in d_type, so no stat per entry: a v2 cgroup dir holds ~50 files and a few cgroups.
      for (const entry of readdirSync(`${base}/${rel}`, { withFileTypes: true }))
        if (entry.isDirectory()) names.push(entry.name);
      return names;
    },
    readSmall(rel) {
      const path = `${base}/${rel}`;
      // One read into a reused buffer, as for /proc: kernfs generates the whole file on the first read. Non-blocking
      // and regular files only, as for /proc (read-regular-file.ts).
      const n = readRegularInto(path, buf);
      return n < buf.length ? buf.toString('utf8', 0, n) : readRegularText(path);
    },
  };
}
