// Pure parser for the parts of /proc/[pid]/status (proc(5)) the exporter uses: signal dispositions and owner.

import type { Parsed } from '../parsed.js';

export interface ProcStatus {
  /** Signals blocked by the thread (SigBlk), as a bit mask where bit n-1 is signal n. */
  sigBlk: bigint;
  /** Signals ignored (SigIgn): SIG_IGN for SIGCHLD makes the kernel reap children itself. */
  sigIgn: bigint;
  /** Signals caught (SigCgt): a handler is installed. */
  sigCgt: bigint;
  /** Real uid (first field of Uid), or -1 when the line is missing. */
  uid: number;
}

/** SIGCHLD is signal 17 on every Linux architecture Node runs on (x86, arm, arm64, ppc, s390, riscv), so bit 16. */
export const SIGCHLD_MASK = 1n << 16n;

const HEX = /^[0-9a-fA-F]{1,16}$/;

/** Parses status text; the three signal masks are required, everything else is optional. */
export function parseStatus(text: string): Parsed<ProcStatus> {
  const masks: Partial<Record<'SigBlk' | 'SigIgn' | 'SigCgt', bigint>> = {};
  let uid = -1;
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
    }
  }
  if (masks.SigBlk === undefined || masks.SigIgn === undefined || masks.SigCgt === undefined) {
    return { ok: false, failure: 'missing signal masks' };
  }
  return { ok: true, value: { sigBlk: masks.SigBlk, sigIgn: masks.SigIgn, sigCgt: masks.SigCgt, uid } };
}

/**
 * True when the task catches, ignores or blocks SIGCHLD. A PID 1 that does none of these leaves SIGCHLD at its
 * default (ignored without auto-reaping), so it never learns its adopted orphans died: the classic container bug.
 * Blocked counts as handled because an init may wait for SIGCHLD through signalfd or sigwaitinfo.
 */
export function handlesSigchld(status: ProcStatus): boolean {
  return ((status.sigCgt | status.sigIgn | status.sigBlk) & SIGCHLD_MASK) !== 0n;
}
