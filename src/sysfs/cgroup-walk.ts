// One bounded pass over the pids hierarchy: every cgroup's pids.current, pids.max and pids.events, skips counted.

import { errnoCode } from '../errors.js';
import { skipReasonFor, SKIP_REASONS, type ReadSkipReason } from '../procfs/reader.js';
import { parsePidsCount, parsePidsEventsMax, parsePidsMax } from './parse-pids.js';
import type { PidsHierarchy } from './pids-hierarchy.js';
import type { SysfsReader } from './reader.js';

/** Why a cgroup was left out of a walk: the read skip reasons, plus `limit` (past the depth or count bound). */
export type CgroupSkipReason = ReadSkipReason | 'limit';
export const CGROUP_SKIP_REASONS: readonly CgroupSkipReason[] = [
  ...SKIP_REASONS.filter((r): r is ReadSkipReason => r !== 'not_a_pid'),
  'limit',
];

/**
 * At most this many cgroups are read per walk. A Kubernetes node with 110 pods has ~400 pids cgroups and a busy
 * systemd host a few hundred; 10,000 leaves room for both many times over while keeping a walk's CPU to a fraction
 * of a second (bench/cgroup-costs.ts measures it; the figures are in docs/scaling.md). What is left out is counted
 * as skipped with reason `limit`.
 */
export const MAX_CGROUPS = 10_000;
/**
 * Deepest level read, counted from the hierarchy root. Kubernetes' systemd layout is 4 deep
 * (kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope), a rootless
 * podman container 6-7, Kubernetes in Docker (kind) about 8: 16 is generous and still stops a runaway nesting.
 */
export const MAX_DEPTH = 16;

export interface CgroupReading {
  /** Path below the hierarchy root as the kernel writes it in /proc/PID/cgroup, e.g. `/system.slice/nginx.service`. */
  path: string;
  /** pids.current: tasks charged to the cgroup and its descendants (threads and unreaped zombies included). */
  current: number;
  /** pids.max; +Inf for `max` (no limit of its own). */
  max: number;
  /** The `max` count of pids.events (see parsePidsEventsMax); null on kernels without the file (before 4.7). */
  rejected: number | null;
}

export interface CgroupWalkResult {
  cgroups: CgroupReading[];
  skipped: Record<CgroupSkipReason, number>;
  /** False when a bound or an unlistable directory left part of the tree unread. */
  complete: boolean;
}

export interface WalkLimits {
  maxCgroups: number;
  maxDepth: number;
}

export function emptyCgroupSkips(): Record<CgroupSkipReason, number> {
  return Object.fromEntries(CGROUP_SKIP_REASONS.map((r) => [r, 0])) as Record<CgroupSkipReason, number>;
}

type Read<T> = { ok: true; value: T } | { ok: false; reason: ReadSkipReason; code: string | undefined };

function read<T>(
  reader: SysfsReader,
  rel: string,
  parse: (text: string) => { ok: true; value: T } | { ok: false },
): Read<T> {
  let text: string;
  try {
    text = reader.readSmall(rel);
  } catch (err) {
    return { ok: false, reason: skipReasonFor(err), code: errnoCode(err) };
  }
  const parsed = parse(text);
  return parsed.ok ? parsed : { ok: false, reason: 'malformed', code: undefined };
}

/**
 * Walks the hierarchy depth-first, the root itself excluded (its limit is the host's: pid_max and threads-max, which
 * proctable_pid_max and proctable_threads_max already export). Throws only when the root can't be listed. On v2 a
 * cgroup without pids.current has the controller disabled by its parent, and so has every cgroup below it: the
 * walk does not descend there.
 */
export function walkCgroups(
  reader: SysfsReader,
  hierarchy: PidsHierarchy,
  limits: WalkLimits = { maxCgroups: MAX_CGROUPS, maxDepth: MAX_DEPTH },
): CgroupWalkResult {
  const result: CgroupWalkResult = { cgroups: [], skipped: emptyCgroupSkips(), complete: true };
  const stack: { path: string; depth: number }[] = reader
    .listSubdirs(hierarchy.rel)
    .reverse()
    .map((name) => ({ path: `/${name}`, depth: 1 }));
  while (stack.length > 0) {
    const { path, depth } = stack.pop()!;
    if (result.cgroups.length >= limits.maxCgroups || depth > limits.maxDepth) {
      result.skipped.limit++;
      result.complete = false;
      continue;
    }
    // readdir decodes names as UTF-8; a name that is not valid UTF-8 could not be opened again by the decoded form.
    if (path.includes('\uFFFD')) {
      result.skipped.malformed++;
      continue;
    }
    const dir = `${hierarchy.rel}${path}`;
    const current = read(reader, `${dir}/pids.current`, parsePidsCount);
    if (!current.ok) {
      if (hierarchy.version === 2 && current.code === 'ENOENT') continue; // controller not enabled below the parent
      result.skipped[current.reason]++;
      continue;
    }
    const max = read(reader, `${dir}/pids.max`, parsePidsMax);
    if (!max.ok) {
      result.skipped[max.reason]++;
      continue;
    }
    const events = read(reader, `${dir}/pids.events`, parsePidsEventsMax);
    if (!events.ok && events.code !== 'ENOENT') {
      result.skipped[events.reason]++;
      continue;
    }
    result.cgroups.push({ path, current: current.value, max: max.value, rejected: events.ok ? events.value : null });
    let children: string[];
    try {
      children = reader.listSubdirs(dir);
    } catch (err) {
      const reason = skipReasonFor(err);
      result.skipped[reason]++;
      // A cgroup removed mid-walk took its children with it; anything else leaves a subtree unread.
      if (reason !== 'vanished') result.complete = false;
      continue;
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ path: `${path}/${children[i]!}`, depth: depth + 1 });
  }
  return result;
}
