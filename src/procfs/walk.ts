// One pass over the proc root: every leader's stat parsed once and handed to a visitor, every unreadable pid skipped and counted.

import { emptyStatFields, parseStatInto, type StatFields } from './parse-stat.js';
import { skipReasonFor, SKIP_REASONS, type ProcReader, type SkipReason } from './reader.js';

/** A skipped pid worth a log line (vanished pids are routine and not kept). */
export interface SkipDetail {
  pid: number;
  reason: SkipReason;
  /** errno code or parse failure, e.g. `EACCES` or `truncated`. */
  detail: string;
}

export interface WalkResult {
  /** Leaders read and handed to the visitor. */
  processes: number;
  /** Pids skipped in this walk, by reason. */
  skipped: Record<SkipReason, number>;
  /** The first few non-routine skips, for logs and /healthz. */
  skipDetails: SkipDetail[];
}

/**
 * Called once per readable leader with fields parsed into a reused object (pid set from the directory name) and the
 * buffer holding the file, for decoding comm. Neither may be kept after the call returns.
 */
export type WalkVisitor = (fields: StatFields, buf: Buffer) => void;

const MAX_SKIP_DETAILS = 5;

/** Stat lines are under 400 bytes (52 fields plus a 64-byte kernel-thread name); a full buffer means junk. */
export const STAT_BUFFER_BYTES = 4096;

export function emptySkipCounts(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
}

/**
 * Walks the proc root; throws only when the root itself can't be listed. Nothing per process is allocated here:
 * the buffer and the fields object are reused, so a walk of 20,000 processes leaves no garbage of its own.
 */
export function walkProcesses(
  reader: ProcReader,
  visit: WalkVisitor,
  buf: Buffer = Buffer.allocUnsafe(STAT_BUFFER_BYTES),
): WalkResult {
  const pids = reader.listPids();
  const fields = emptyStatFields();
  const skipped = emptySkipCounts();
  const skipDetails: SkipDetail[] = [];
  let processes = 0;
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
    const failure = parseStatInto(buf, n, fields);
    if (failure !== null) {
      skip(pid, 'malformed', failure);
      continue;
    }
    fields.pid = pid;
    processes++;
    visit(fields, buf);
  }
  return { processes, skipped, skipDetails };
}
