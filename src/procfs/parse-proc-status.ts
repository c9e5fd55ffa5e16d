// Pure parser for the parts of /proc/[pid]/status (proc(5)) the exporter uses: signal dispositions, owner and the
// pid at every PID namespace level.

import type { Parsed } from '../parsed.js';

export interface ProcStatus {
  /** Signals blocked by the thread (SigBlk), as a bit mask where bit n-1 is signal n. The main thread's only. */
  sigBlk: bigint;
  /** Signals ignored (SigIgn): SIG_IGN for SIGCHLD makes the kernel reap children itself. */
  sigIgn: bigint;
  /** Signals caught (SigCgt): a handler is installed. */
  sigCgt: bigint;
  /** Real uid (first field of Uid), or -1 when the line is missing. */
  uid: number;
  /**
   * NSpid: the task's pid in every PID namespace from the reader's (the proc mount's) down to its own, so
   * `[7483, 1]` is PID 1 of a namespace one level below. Empty on kernels before 4.1, which print no NSpid line.
   */
  nsPids: number[];
}

/** SIGCHLD is signal 17 on every Linux architecture Node runs on (x86, arm, arm64, ppc, s390, riscv), so bit 16. */
export const SIGCHLD_MASK = 1n << 16n;

const HEX = /^[0-9a-fA-F]{1,16}$/;

/** Parses status text; the three signal masks are required, everything else is optional. */
export function parseStatus(text: string): Parsed<ProcStatus> {
  const masks: Partial<Record<'SigBlk' | 'SigIgn' | 'SigCgt', bigint>> = {};
  let uid = -1;
  let nsPids: number[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'SigBlk' || key === 'SigIgn' || key === 'SigCgt') {
      if (!HEX.test(value)) return { ok: false, failure: `bad ${key} mask` };
      masks[key] = BigInt(`0x${value}`);
    } else if (key === 'Uid') {
      const real = Number.parseInt(value.split(/\s+/)[0] ?? '', 10);
      if (Number.isSafeInteger(real) && real >= 0) uid = real;
    } else if (key === 'NSpid') {
      const pids = value.split(/\s+/).map((p) => (/^\d{1,10}$/.test(p) ? Number(p) : NaN));
      // A line that is not all pids says nothing, rather than a wrong level count.
      nsPids = pids.every((p) => p > 0 && p <= 0x7fffffff) ? pids : [];
    }
  }
  if (masks.SigBlk === undefined || masks.SigIgn === undefined || masks.SigCgt === undefined) {
    return { ok: false, failure: 'missing signal masks' };
  }
  return { ok: true, value: { sigBlk: masks.SigBlk, sigIgn: masks.SigIgn, sigCgt: masks.SigCgt, uid, nsPids } };
}

/**
 * Whether the task is PID 1 of a PID namespace below the reader's: it has a pid at more than one level, and its own
 * is 1. Such an init is what a container runs first; the kernel hands it every orphan in its namespace, and it
 * ignores every signal it has no handler for, even SIGTERM from the host.
 */
export function isNamespaceInit(status: ProcStatus): boolean {
  return status.nsPids.length > 1 && status.nsPids.at(-1) === 1;
}

/** What a task's masks say about SIGCHLD; several can hold at once (dumb-init blocks it and has a handler). */
export interface SigchldDisposition {
  /** SIG_IGN (or SA_NOCLDWAIT): the kernel reaps its children itself; they never become zombies. */
  ignored: boolean;
  /** A handler is installed: it means to reap when told, which proves nothing about whether it does. */
  caught: boolean;
  /** Blocked in the main thread: typical of inits that reap through signalfd or sigtimedwait (tini, systemd). */
  blocked: boolean;
}

/**
 * The masks as three facts. None of them proves a task reaps or does not: SIGCHLD at its default does not stop wait()
 * from reaping (an init with a plain wait() loop and no handler reaps fine), and a handler that never calls wait()
 * reaps nothing. Only zombies that stay under a process say it does not reap.
 */
export function sigchldDisposition(status: ProcStatus): SigchldDisposition {
  return {
    ignored: (status.sigIgn & SIGCHLD_MASK) !== 0n,
    caught: (status.sigCgt & SIGCHLD_MASK) !== 0n,
    blocked: (status.sigBlk & SIGCHLD_MASK) !== 0n,
  };
}
