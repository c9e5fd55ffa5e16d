// One pass over the proc root: every leader's stat parsed once, every pid that can't be read skipped and counted.

import { parseStat, type ProcStat } from './parse-stat.js';
import { skipReasonFor, SKIP_REASONS, type ProcReader, type SkipReason } from './reader.js';

/** A skipped pid worth a log line (vanished pids are routine and not kept). */
export interface SkipDetail {
  pid: number;
  reason: SkipReason;
  /** errno code or parse failure, e.g. `EACCES` or `truncated`. */
  detail: string;
}

export interface WalkResult {
  /** One entry per readable leader; `pid` is the directory's name, which fixtures may not match inside the file. */
  processes: ProcStat[];
  /** Pids skipped in this walk, by reason. */
  skipped: Record<SkipReason, number>;
  /** The first few non-routine skips, for logs and /healthz. */
  skipDetails: SkipDetail[];
}

const MAX_SKIP_DETAILS = 5;

// Stat lines are under 400 bytes (52 fields plus a 64-byte kernel-thread name); a full buffer means junk.
const STAT_BUFFER_BYTES = 4096;

export function emptySkipCounts(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
}

/** Walks the proc root; throws only when the root itself can't be listed. */
export function walkProcesses(reader: ProcReader, buf: Buffer = Buffer.allocUnsafe(STAT_BUFFER_BYTES)): WalkResult {
  const pids = reader.listPids();
  const processes: ProcStat[] = [];
  const skipped = emptySkipCounts();
  const skipDetails: SkipDetail[] = [];
  const skip = (pid: number, reason: SkipReason, detail: string): void => {
    skipped[reason]++;
    if (reason !== 'vanished' && skipDetails.length < MAX_SKIP_DETAILS) skipDetails.push({ pid, reason, detail });
  };
  for (const pid of pids) {
    let n: number;
    try {
      n = reader.readPidFile(pid, 'stat', buf);
    } catch (err) {
      skip(pid, skipReasonFor(err), (err as NodeJS.ErrnoException).code ?? 'error');
      continue;
    }
    if (n >= buf.length) {
      skip(pid, 'malformed', 'oversized');
      continue;
    }
    const parsed = parseStat(buf, n);
    if (!parsed.ok) {
      skip(pid, 'malformed', parsed.failure);
      continue;
    }
    parsed.stat.pid = pid;
    processes.push(parsed.stat);
  }
  return { processes, skipped, skipDetails };
}
