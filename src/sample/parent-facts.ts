// What the walk does not carry about a zombie parent (its cgroup, its owner, whether it is a namespace's init, its
// comm), read from the parent's own files and kept per parent while it keeps zombies: one cache, one lifetime
// rule, one sweep at the end of each sample.

import { parsePasswd } from '../procfs/parse-passwd.js';
import { parseCgroup, primaryCgroupPath } from '../procfs/parse-proc-cgroup.js';
import { decodeComm, emptyStatFields, parseStatInto } from '../procfs/parse-proc-stat.js';
import { isNamespaceInit, parseStatus } from '../procfs/parse-proc-status.js';
import type { ProcReader } from '../procfs/reader.js';
import { STAT_BUFFER_BYTES } from '../procfs/walk.js';

/**
 * A parent's uid and cgroup rarely change while it lives (setuid, a move between cgroups), and a minute-old answer
 * is good enough to say who to talk to and which container holds the zombies; re-reading status and cgroup for every
 * zombie parent in every sample would cost more than parsing the whole walk on a small host.
 */
export const PARENT_FACTS_MAX_AGE_MS = 60_000;

export interface ParentOwner {
  uid: number | null;
  /** The name for uid, from the passwd file that names the proc root's users (ProcReader.readPasswd). */
  user: string | null;
}

export interface ParentDetails extends ParentOwner {
  cgroup: string | null;
}

/** A value and when it was read. */
interface Read<T> {
  value: T;
  readMs: number;
}

/** What the parent's status says. */
interface StatusFacts {
  uid: number | null;
  /** PID 1 of a PID namespace below the proc root's (NSpid ends in 1). */
  namespaceInit: boolean;
}

interface Entry {
  /** The parent's start time when a caller knew it: a different one under the same pid is another process. */
  startTimeTicks: number | undefined;
  cgroup: Read<string | null> | undefined;
  status: Read<StatusFacts> | undefined;
  owner: Read<ParentOwner> | undefined;
  comm: Read<string | null> | undefined;
  /** Asked for since the last endSample(). */
  used: boolean;
}

const fresh = <T>(read: Read<T> | undefined, nowMs: number): read is Read<T> =>
  read !== undefined && nowMs - read.readMs < PARENT_FACTS_MAX_AGE_MS && nowMs >= read.readMs;

/**
 * Keyed by pid. The walk keeps no start time per parent, so only callers that read the parent's stat (the top
 * parents) can tell a reused pid; for the others, a pid reused within the minute by another process that also holds
 * zombies is rare enough to accept a minute of the old parent's cgroup. Every read error reads as null: a parent
 * that exits mid-sample, hides behind hidepid or sits in another PID namespace is unknown, never a failed sample.
 */
export class ParentFacts {
  private readonly entries = new Map<number, Entry>();
  private users: Read<ReadonlyMap<number, string>> | undefined;
  private readonly buf = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  private readonly fields = emptyStatFields();

  constructor(private readonly reader: ProcReader) {}

  /** The cgroup path of the parent with this pid (see primaryCgroupPath), or null when it can't be read. */
  cgroupOf(pid: number, nowMs: number, startTimeTicks?: number): string | null {
    const entry = this.entry(pid, startTimeTicks);
    if (!fresh(entry.cgroup, nowMs)) entry.cgroup = { value: this.readCgroup(pid), readMs: nowMs };
    return entry.cgroup.value;
  }

  /** The owner and cgroup of the parent that has this pid and start time; null for whatever can't be read. */
  describe(pid: number, startTimeTicks: number, nowMs: number): ParentDetails {
    const entry = this.entry(pid, startTimeTicks);
    if (!fresh(entry.owner, nowMs)) {
      const { uid } = this.statusOf(pid, nowMs, startTimeTicks);
      entry.owner = { value: { uid, user: uid === null ? null : this.userName(uid, nowMs) }, readMs: nowMs };
    }
    return { ...entry.owner.value, cgroup: this.cgroupOf(pid, nowMs, startTimeTicks) };
  }

  /** Whether the parent with this pid is PID 1 of a PID namespace below the proc root's; false when unknown. */
  isNamespaceInit(pid: number, nowMs: number): boolean {
    return this.statusOf(pid, nowMs).namespaceInit;
  }

  /** The parent's comm, or null when its stat can't be read. */
  commOf(pid: number, nowMs: number): string | null {
    const entry = this.entry(pid, undefined);
    if (!fresh(entry.comm, nowMs)) entry.comm = { value: this.readComm(pid), readMs: nowMs };
    return entry.comm.value;
  }

  private statusOf(pid: number, nowMs: number, startTimeTicks?: number): StatusFacts {
    const entry = this.entry(pid, startTimeTicks);
    if (!fresh(entry.status, nowMs)) entry.status = { value: this.readStatus(pid), readMs: nowMs };
    return entry.status.value;
  }

  /** Forgets parents not asked about since the last call, so the cache holds only the current zombie parents. */
  endSample(): void {
    for (const [pid, entry] of this.entries) {
      if (entry.used) entry.used = false;
      else this.entries.delete(pid);
    }
  }

  /** Parents remembered (for tests of the bound). */
  get size(): number {
    return this.entries.size;
  }

  private entry(pid: number, startTimeTicks: number | undefined): Entry {
    let entry = this.entries.get(pid);
    const reused =
      entry !== undefined &&
      startTimeTicks !== undefined &&
      entry.startTimeTicks !== undefined &&
      entry.startTimeTicks !== startTimeTicks;
    if (entry === undefined || reused) {
      entry = { startTimeTicks, cgroup: undefined, status: undefined, owner: undefined, comm: undefined, used: true };
      this.entries.set(pid, entry);
    }
    entry.used = true;
    entry.startTimeTicks ??= startTimeTicks;
    return entry;
  }

  private readCgroup(pid: number): string | null {
    // pid 0: the parent is outside the proc root's PID namespace and has no directory to read.
    if (pid <= 0) return null;
    try {
      const parsed = parseCgroup(this.reader.readText(`${pid}/cgroup`));
      return parsed.ok ? primaryCgroupPath(parsed.value) : null;
    } catch {
      return null;
    }
  }

  private readStatus(pid: number): StatusFacts {
    if (pid <= 0) return { uid: null, namespaceInit: false };
    try {
      const parsed = parseStatus(this.reader.readText(`${pid}/status`));
      if (!parsed.ok) return { uid: null, namespaceInit: false };
      return { uid: parsed.value.uid >= 0 ? parsed.value.uid : null, namespaceInit: isNamespaceInit(parsed.value) };
    } catch {
      return { uid: null, namespaceInit: false };
    }
  }

  private readComm(pid: number): string | null {
    if (pid <= 0) return null;
    try {
      const n = this.reader.readPidFile(pid, 'stat', this.buf);
      return n < this.buf.length && parseStatInto(this.buf, 0, n, this.fields) === null
        ? decodeComm(this.buf, this.fields)
        : null;
    } catch {
      return null;
    }
  }

  private userName(uid: number, nowMs: number): string | null {
    if (!fresh(this.users, nowMs)) {
      let map: ReadonlyMap<number, string>;
      try {
        map = parsePasswd(this.reader.readPasswd());
      } catch {
        map = new Map();
      }
      this.users = { value: map, readMs: nowMs };
    }
    return this.users.value.get(uid) ?? null;
  }
}
