// Pure readings that tell which PID namespace a proc root shows: a namespace link, and a kernel thread's stat.

/**
 * The inode of the initial PID namespace (PROC_PID_INIT_INO in include/linux/proc_ns.h, 0xEFFFFFFC). It is fixed
 * since Linux 3.8, so a namespace link `pid:[4026531836]` is the host's PID namespace on every machine.
 */
export const PROC_PID_INIT_INO = 0xeffffffc;

/** The inode number of a `/proc/PID/ns/pid` link's target (`pid:[4026531836]`), or null when it is not one. */
export function parsePidNsLink(target: string): number | null {
  const m = /^pid:\[(\d+)\]$/.exec(target.trim());
  return m ? Number(m[1]) : null;
}

/** PF_KTHREAD in include/linux/sched.h: set in field 9 (flags) of a kernel thread's stat. */
export const PF_KTHREAD = 0x00200000;

/**
 * Whether a stat line is a kernel thread's. Kernel threads live in the initial PID namespace only, so a proc root
 * that shows one (kthreadd is PID 2) shows the host's; a process may fake its comm but not its flags.
 */
export function isKernelThreadStat(text: string): boolean {
  const close = text.lastIndexOf(')');
  if (close < 0) return false;
  // After comm: state (field 3) ... flags (field 9) is the seventh.
  const flags = Number(
    text
      .slice(close + 1)
      .trim()
      .split(/\s+/)[6],
  );
  return Number.isSafeInteger(flags) && (flags & PF_KTHREAD) !== 0;
}
