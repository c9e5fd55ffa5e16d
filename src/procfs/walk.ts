// One pass over the proc root: every leader's stat parsed once and handed to a visitor, every unreadable pid skipped and counted.

import { errnoCode } from '../errors.js';
import { recordCode, RECORD_HEADER_BYTES, RECORD_MAX_BYTES } from './native-stat-batch.js';
import { emptyStatFields, parseStatInto, type StatFields } from './parse-proc-stat.js';
import { skipReasonFor, SKIP_REASONS, type NativeRootReader, type ProcReader, type SkipReason } from './reader.js';

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

/**
 * Room for about 900 processes' records per native call: ~25 calls for 20,000 processes, nothing next to their
 * 60,000 syscalls, in a fixed buffer rather than one that grows with the host.
 */
const BATCH_BYTES = 256 * 1024;

export function emptySkipCounts(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
}

/**
 * Walks a proc root with buffers kept between walks, so a walk of 20,000 processes allocates nothing per process.
 * With the native stat reader every file is read in one call and parsed here; without it, through node:fs.
 */
export class ProcessWalker {
  private readonly fields = emptyStatFields();
  private readonly statBuf = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  private batch: Buffer | undefined;
  private pids = new Int32Array(1024);
  private readonly notPids = new Int32Array(1);

  constructor(private readonly reader: ProcReader) {}

  /** Which reader the walk uses: `native` (the addon) or `node` (node:fs). */
  get method(): 'native' | 'node' {
    return this.reader.native ? 'native' : 'node';
  }

  /** Walks the proc root; throws only when the root itself can't be listed. */
  walk(visit: WalkVisitor): WalkResult {
    const result: WalkResult = { processes: 0, skipped: emptySkipCounts(), skipDetails: [] };
    if (this.reader.native) this.walkBatch(this.reader.native, visit, result);
    else this.walkEach(visit, result);
    // Directory order is ascending pids on /proc but arbitrary elsewhere (a fixture tree on ext4): sort the few kept.
    result.skipDetails.sort((a, b) => a.pid - b.pid);
    return result;
  }

  /**
   * Reads the stat files of the given pids only (event mode: the processes that exited and the zombies known), with
   * the same skips and counts as a walk; a pid that is gone is a routine vanish.
   */
  walkPids(pids: readonly number[], visit: WalkVisitor): WalkResult {
    const result: WalkResult = { processes: 0, skipped: emptySkipCounts(), skipDetails: [] };
    if (this.reader.native) {
      if (this.pids.length < pids.length) this.pids = new Int32Array(pids.length);
      this.pids.set(pids);
      this.readBatch(this.reader.native, this.pids.subarray(0, pids.length), visit, result);
    } else {
      this.readEach(pids, visit, result);
    }
    result.skipDetails.sort((a, b) => a.pid - b.pid);
    return result;
  }

  private walkEach(visit: WalkVisitor, result: WalkResult): void {
    const listing = this.reader.listPids();
    result.skipped.not_a_pid += listing.notPids;
    this.readEach(listing.pids, visit, result);
  }

  private readEach(pids: Iterable<number>, visit: WalkVisitor, result: WalkResult): void {
    const buf = this.statBuf;
    for (const pid of pids) {
      let n: number;
      try {
        n = this.reader.readPidFile(pid, 'stat', buf);
      } catch (err) {
        skip(result, pid, skipReasonFor(err), errnoCode(err) ?? 'error');
        continue;
      }
      this.parseAndVisit(pid, buf, 0, n, visit, result);
    }
  }

  private walkBatch(native: NativeRootReader, visit: WalkVisitor, result: WalkResult): void {
    let count = native.listPids(this.pids, this.notPids);
    while (count < 0) {
      this.pids = new Int32Array(this.pids.length * 2);
      count = native.listPids(this.pids, this.notPids);
    }
    result.skipped.not_a_pid += this.notPids[0]!;
    this.readBatch(native, this.pids.subarray(0, count), visit, result);
  }

  private readBatch(native: NativeRootReader, pids: Int32Array, visit: WalkVisitor, result: WalkResult): void {
    const batch = (this.batch ??= Buffer.allocUnsafe(Math.max(BATCH_BYTES, RECORD_MAX_BYTES)));
    for (let from = 0; from < pids.length;) {
      const end = native.readStats(pids, from, batch);
      if (end <= 0) throw new Error(`native stat reader wrote nothing at pid index ${from}`);
      for (let at = 0; at < end; from++) {
        const pid = batch.readInt32LE(at);
        const n = batch.readInt32LE(at + 4);
        at += RECORD_HEADER_BYTES;
        if (n < 0) {
          const code = recordCode(n);
          skip(result, pid, skipReasonFor({ code }), code);
          continue;
        }
        this.parseAndVisit(pid, batch, at, at + n, visit, result);
        at += n;
      }
    }
  }

  private parseAndVisit(
    pid: number,
    buf: Buffer,
    start: number,
    end: number,
    visit: WalkVisitor,
    result: WalkResult,
  ): void {
    if (end - start >= STAT_BUFFER_BYTES) {
      skip(result, pid, 'malformed', 'oversized');
      return;
    }
    const failure = parseStatInto(buf, start, end, this.fields);
    if (failure !== null) {
      skip(result, pid, 'malformed', failure);
      return;
    }
    this.fields.pid = pid;
    result.processes++;
    visit(this.fields, buf);
  }
}

function skip(result: WalkResult, pid: number, reason: SkipReason, detail: string): void {
  result.skipped[reason]++;
  if (reason !== 'vanished' && result.skipDetails.length < MAX_SKIP_DETAILS)
    result.skipDetails.push({ pid, reason, detail });
}
