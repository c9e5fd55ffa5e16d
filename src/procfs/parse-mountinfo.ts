// Pure parser for /proc/PID/mountinfo (proc(5)), and the reading of procfs's hidepid mount option.

export interface MountInfo {
  /** (5) Where the mount is, in the reader's mount namespace, with the kernel's octal escapes undone. */
  mountPoint: string;
  /** (9) Filesystem type, e.g. `proc`, `cgroup2`. */
  fsType: string;
  /** (11) Per-superblock options, e.g. `rw,hidepid=invisible,gid=1000`; procfs's hidepid lives here. */
  superOptions: string[];
}

/** Undoes the octal escapes mountinfo uses for space, tab, newline and backslash in paths (`\040` and so on). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * One entry per well-formed line, in file order (later entries are mounted on top of earlier ones); malformed lines
 * are skipped. Fields: id, parent id, major:minor, root, mount point, options, optional fields ending in `-`, then
 * type, source, super options.
 */
export function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (fields.length < 10 || dash < 0 || fields.length < dash + 4) continue;
    mounts.push({
      mountPoint: unescape(fields[4]!),
      fsType: fields[dash + 1]!,
      superOptions: fields[dash + 3]!.split(','),
    });
  }
  return mounts;
}

/** procfs's hidepid modes by the names Linux 5.8+ prints; older kernels print the numbers. */
export type Hidepid = 'off' | 'noaccess' | 'invisible' | 'ptraceable';
const HIDEPID_NAMES: Record<string, Hidepid> = {
  '0': 'off',
  off: 'off',
  '1': 'noaccess',
  noaccess: 'noaccess',
  '2': 'invisible',
  invisible: 'invisible',
  '4': 'ptraceable',
  ptraceable: 'ptraceable',
};

/**
 * The hidepid mode of a proc mount: `off` (every process visible, the default, not printed), `noaccess` (others'
 * /proc/PID directories visible but unreadable), `invisible` (others' hidden), `ptraceable` (only what the reader
 * may ptrace). Null for a value no kernel prints.
 */
export function hidepidOf(mount: MountInfo): Hidepid | null {
  const option = mount.superOptions.find((o) => o.startsWith('hidepid='));
  if (option === undefined) return 'off';
  return HIDEPID_NAMES[option.slice('hidepid='.length)] ?? null;
}

/** The mount whose mount point is `path` (the topmost, when several are stacked there), or undefined. */
export function mountAt(mounts: readonly MountInfo[], path: string): MountInfo | undefined {
  for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i]!.mountPoint === path) return mounts[i];
  return undefined;
}
