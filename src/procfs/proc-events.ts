// The kernel's proc connector through the native addon (native/proc-events.c): a subscription, and the fork and exit
// events it has queued, parsed from the addon's fixed records. The one module that touches the socket; what the
// events mean for a sample is src/sample/exit-events.ts's business.

import { errnoCode } from '../errors.js';
import { loadNativeAddon } from '../runtime/native-addon.js';

/** The kernel's event codes (linux/cn_proc.h). */
export const PROC_EVENT_FORK = 0x00000001;
export const PROC_EVENT_EXIT = 0x80000000;

/** One record as native/proc-events.c writes it. */
export const EVENT_RECORD_BYTES = 48;

export interface ProcEvent {
  /** fork and exit in full; any other kind (exec, comm, uid, the kernel's answers to subscriptions) by its number and time. */
  what: 'fork' | 'exit' | 'other';
  cpu: number;
  /** The CPU's sequence number: the kernel numbers every event it sends, per CPU. */
  seq: number;
  /** The task: for a fork the child, for an exit the task that exited (a thread when pid !== tgid); else 0. */
  pid: number;
  tgid: number;
  parentPid: number;
  parentTgid: number;
  /** For an exit: the wait status (exit code << 8, or the killing signal) and the signal sent to the parent. */
  exitCode: number;
  exitSignal: number;
  /** When it happened, in ms of CLOCK_MONOTONIC (the kernel's ktime_get_ns). */
  monotonicMs: number;
}

/** An event with every field zero, to be filled in. */
export function emptyProcEvent(): ProcEvent {
  return {
    what: 'other',
    cpu: 0,
    seq: 0,
    pid: 0,
    tgid: 0,
    parentPid: 0,
    parentTgid: 0,
    exitCode: 0,
    exitSignal: 0,
    monotonicMs: 0,
  };
}

/** Calls `visit` with each of the first `count` records of `buf`, parsed into one reused object. */
export function parseEventRecords(buf: Buffer, count: number, visit: (e: Readonly<ProcEvent>) => void): void {
  const e = emptyProcEvent();
  for (let i = 0, at = 0; i < count; i++, at += EVENT_RECORD_BYTES) {
    const what = buf.readUInt32LE(at);
    e.what = what === PROC_EVENT_FORK ? 'fork' : what === PROC_EVENT_EXIT ? 'exit' : 'other';
    e.cpu = buf.readUInt32LE(at + 4);
    e.seq = buf.readUInt32LE(at + 8);
    e.pid = buf.readInt32LE(at + 12);
    e.tgid = buf.readInt32LE(at + 16);
    e.parentPid = buf.readInt32LE(at + 20);
    e.parentTgid = buf.readInt32LE(at + 24);
    e.exitCode = buf.readUInt32LE(at + 28);
    e.exitSignal = buf.readUInt32LE(at + 32);
    e.monotonicMs = buf.readDoubleLE(at + 40);
    visit(e);
  }
}

interface NativeProcEvents {
  procEventsOpen(receiveBufferBytes: number): unknown;
  procEventsRead(handle: unknown, out: Buffer, counts: Float64Array): number;
  procEventsClose(handle: unknown): void;
}

/** What one drain found lost, besides the events it handed over. */
export interface DrainCounts {
  /** Events the kernel sent that never reached the socket: the gaps in each CPU's sequence numbers. */
  lost: number;
  /** recv() calls that failed with ENOBUFS: the socket's buffer overflowed. */
  overflows: number;
}

export interface ProcEventListener {
  /** Reads everything queued, without waiting, handing each event to `visit` (the object is reused). */
  drain(visit: (e: Readonly<ProcEvent>) => void): DrainCounts;
  close(): void;
}

/** Why event mode can't run here, or the listener. */
export type OpenResult = { ok: true; listener: ProcEventListener } | { ok: false; reason: string };

/** Room for about 40 recv()s of events per native call: a fork storm is drained in a few calls, in a fixed buffer. */
const OUT_BYTES = 1024 * 1024;

/**
 * Subscribes to the proc connector. The receive buffer is asked for as given (granted beyond rmem_max only with
 * CAP_NET_ADMIN); a refusal names the errno: EPROTONOSUPPORT without the connector, EPERM without the right to
 * listen (kernels before about 6.6 without CAP_NET_ADMIN, or another network namespace than the host's).
 */
export function openProcEvents(receiveBufferBytes: number): OpenResult {
  const native = loadNativeAddon() as Partial<NativeProcEvents> | undefined;
  if (typeof native?.procEventsOpen !== 'function' || typeof native.procEventsRead !== 'function')
    return { ok: false, reason: 'the native addon is not built (or predates the proc connector)' };
  let handle: unknown;
  try {
    handle = native.procEventsOpen(receiveBufferBytes);
  } catch (err) {
    const code = errnoCode(err) ?? 'error';
    return { ok: false, reason: `the kernel refused the proc connector subscription (${code})` };
  }
  const out = Buffer.alloc(OUT_BYTES);
  const counts = new Float64Array(4);
  const n = native as NativeProcEvents;
  return {
    ok: true,
    listener: {
      drain(visit) {
        counts.fill(0);
        do {
          const records = n.procEventsRead(handle, out, counts);
          parseEventRecords(out, records, visit);
        } while (counts[3] === 1);
        return { lost: counts[1]!, overflows: counts[2]! };
      },
      close() {
        n.procEventsClose(handle);
      },
    },
  };
}
