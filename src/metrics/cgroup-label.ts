// The `cgroup` label value: a cgroup path as the kernel writes it in /proc/PID/cgroup, capped in length.

/**
 * Longest label value, in UTF-16 code units. Kubernetes' systemd-driver path for a container, the longest common
 * shape, is about 190 (`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/
 * cri-containerd-<64 hex>.scope`), so real paths fit whole; the cap keeps a hostile or runaway nesting from turning
 * into kilobyte labels on every scrape (remote-write backends reject values past 2 KiB or so).
 */
export const CGROUP_LABEL_MAX = 256;

/** Shown in place of the head of a path too long to keep whole. */
export const CGROUP_LABEL_ELLIPSIS = '...';

/**
 * The path unchanged when it fits; otherwise `...` and its last 253 units. The tail is kept because the innermost
 * names (the container, the unit) are what tell cgroups apart; slices above them repeat.
 */
export function cgroupLabel(path: string): string {
  if (path.length <= CGROUP_LABEL_MAX) return path;
  let start = path.length - (CGROUP_LABEL_MAX - CGROUP_LABEL_ELLIPSIS.length);
  // Never split a surrogate pair: a lone low surrogate would not be valid UTF-8 in the exposition.
  const c = path.charCodeAt(start);
  if (c >= 0xdc00 && c <= 0xdfff) start++;
  return CGROUP_LABEL_ELLIPSIS + path.slice(start);
}
