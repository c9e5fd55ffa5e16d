// Reads what the walk does not carry about a zombie parent (owner, cgroup) and the host's uptime, for top parents.

import { parseCgroup, primaryCgroupPath } from '../procfs/parse-cgroup.js';
import { parsePasswd } from '../procfs/parse-passwd.js';
import { parseStatus } from '../procfs/parse-status.js';
import { parseUptime } from '../procfs/parse-uptime.js';
import type { ProcReader } from '../procfs/reader.js';

export interface ParentDetails {
  uid: number | null;
  user: string | null;
  cgroup: string | null;
}

export interface ParentDetailsReader {
  /** The parent's owner and cgroup; null for whatever can't be read. */
  describe(pid: number): ParentDetails;
  /** Seconds since boot, or null when /proc/uptime can't be read; read once per reader. */
  uptimeSeconds(): number | null;
}

/**
 * Details only decorate the top parents: a parent that exits mid-sample, hides behind hidepid or sits in another
 * PID namespace shows as unknown rather than failing or skewing the sample, so every read error reads as null.
 * One reader serves one sample: the passwd file and uptime are read at most once, and only when asked.
 */
export function createParentDetailsReader(reader: ProcReader): ParentDetailsReader {
  let users: ReadonlyMap<number, string> | undefined;
  let uptime: number | null | undefined;
  const attempt = <T>(read: () => T | null): T | null => {
    try {
      return read();
    } catch {
      return null;
    }
  };
  const userName = (uid: number): string | null => {
    users ??= attempt(() => parsePasswd(reader.readPasswd())) ?? new Map<number, string>();
    return users.get(uid) ?? null;
  };
  return {
    describe(pid) {
      const uid = attempt(() => {
        const parsed = parseStatus(reader.readText(`${pid}/status`));
        return parsed.ok && parsed.status.uid >= 0 ? parsed.status.uid : null;
      });
      const cgroup = attempt(() => {
        const parsed = parseCgroup(reader.readText(`${pid}/cgroup`));
        return parsed.ok ? primaryCgroupPath(parsed.entries) : null;
      });
      return { uid, user: uid === null ? null : userName(uid), cgroup };
    },
    uptimeSeconds() {
      if (uptime === undefined) {
        uptime = attempt(() => {
          const parsed = parseUptime(reader.readText('uptime'));
          return parsed.ok ? parsed.seconds : null;
        });
      }
      return uptime;
    },
  };
}
