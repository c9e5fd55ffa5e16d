// Turns one walk of the pids hierarchy into the bounded set of cgroups the Sample carries: the closest to their
// limit (pids.current against pids.max), plus the ones that refused forks since the exporter started.

import { errnoText } from '../errors.js';
import { walkCgroups, type CgroupReading, type CgroupWalkResult } from '../sysfs/cgroup-walk.js';
import { parsePidsCount } from '../sysfs/parse-pids.js';
import { findPidsHierarchy } from '../sysfs/pids-hierarchy.js';
import type { SysfsReader } from '../sysfs/reader.js';
import { ForkRejections, type Rejections } from './fork-rejections.js';
import type { CgroupPids, CgroupSkipReason, SelectedCgroup } from './sample.js';
import { topN } from './top-n.js';

export interface CgroupPidsResult {
  pids: CgroupPids;
  /** Why the hierarchy could not be walked this time (the cgroups source error), if it could not. */
  error?: string;
  /** Every cgroup path the walk read, for resolving namespace-relative paths of processes. */
  paths: readonly string[];
}

/** How full a cgroup is against its own limit: +Inf limits rank as empty, a limit of 0 as full. */
export function fillRatio(r: Pick<CgroupReading, 'current' | 'max'>): number {
  if (r.max === Infinity) return 0;
  if (r.max === 0) return r.current > 0 ? Infinity : 1;
  return r.current / r.max;
}

/** Closest to the limit first; then more tasks (so unlimited cgroups rank by size); then the path, for stability. */
const closerToLimit = (a: CgroupReading, b: CgroupReading): boolean => {
  const fa = fillRatio(a);
  const fb = fillRatio(b);
  if (fa !== fb) return fa > fb;
  if (a.current !== b.current) return a.current > b.current;
  return a.path < b.path;
};

export class CgroupPidsSelector {
  private readonly rejections: ForkRejections;

  constructor(
    private readonly reader: SysfsReader,
    /** --cgroups.top: cgroups closest to their limit, and the cap on the refused-forks set. */
    private readonly top: number,
    maxRemembered: number,
  ) {
    this.rejections = new ForkRejections(maxRemembered);
  }

  /** Never throws: a missing or unreadable hierarchy is an error in the result and an empty selection. */
  select(nowMs: number): CgroupPidsResult {
    const found = findPidsHierarchy(this.reader);
    if (!found.ok) return { pids: emptyCgroupPids(null), error: found.reason, paths: [] };
    const { version, rel } = found.hierarchy;
    const hierarchy = { version, path: `${this.reader.root}/${rel}` };
    let walk;
    try {
      walk = walkCgroups(this.reader, found.hierarchy);
    } catch (err) {
      return { pids: emptyCgroupPids(hierarchy), error: `list ${hierarchy.path}: ${errnoText(err)}`, paths: [] };
    }
    const rejections = this.rejections.observe(walk.cgroups, walk.complete, nowMs);

    const closest = topN(walk.cgroups, this.top, closerToLimit);
    const chosen = new Set(closest.map((r) => r.path));
    // Refused forks since start, most recent first: a cgroup that keeps hitting its limit stays in the set even when
    // more than --cgroups.top have hit theirs, and one that hit it once, long ago, is the first to make room.
    const refused = walk.cgroups
      .filter((r) => !chosen.has(r.path) && (rejections.get(r.path)?.sinceStart ?? 0) > 0)
      .sort((a, b) => byRecentRejection(rejections.get(a.path)!, rejections.get(b.path)!) || (a.path < b.path ? -1 : 1))
      .slice(0, this.top);

    const selected: SelectedCgroup[] = [...closest, ...refused].map((r) => ({
      path: r.path,
      current: r.current,
      max: r.max,
      rejected: rejections.get(r.path)?.sinceStart ?? null,
      peak: this.readPeak(`${rel}${r.path}`),
    }));
    return {
      pids: { hierarchy, cgroups: walk.cgroups.length, selected, skipped: sampleSkips(walk.skipped) },
      paths: walk.cgroups.map((r) => r.path),
    };
  }

  /** pids.peak is missing on older kernels (null then); read only for the few cgroups exported, not in the walk. */
  private readPeak(dir: string): number | null {
    try {
      const parsed = parsePidsCount(this.reader.readSmall(`${dir}/pids.peak`));
      return parsed.ok ? parsed.value : null;
    } catch {
      return null;
    }
  }
}

function byRecentRejection(a: Rejections, b: Rejections): number {
  return (b.lastRejectMs ?? 0) - (a.lastRejectMs ?? 0) || b.sinceStart - a.sinceStart;
}

/** The walk's skip counts in the Sample's words: a reason the walk renames has to be mapped here. */
function sampleSkips(w: CgroupWalkResult['skipped']): Record<CgroupSkipReason, number> {
  return {
    vanished: w.vanished,
    permission: w.permission,
    malformed: w.malformed,
    io_error: w.io_error,
    not_regular: w.not_regular,
    limit: w.limit,
  };
}

function emptyCgroupPids(hierarchy: CgroupPids['hierarchy']): CgroupPids {
  return {
    hierarchy,
    cgroups: 0,
    selected: [],
    skipped: { vanished: 0, permission: 0, malformed: 0, io_error: 0, not_regular: 0, limit: 0 },
  };
}
