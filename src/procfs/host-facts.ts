// Reads the cheap, exact host-wide facts each sample needs: PIDs in use, the PID limits, forks, PID 1's signals.

import type { SampleSource } from '../sample/sample.js';
import { parseForks } from './parse-proc-stat.js';
import { parseLoadAvg } from './parse-loadavg.js';
import { handlesSigchld, parseStatus } from './parse-status.js';
import { parseSysctlInt } from './parse-sysctl-int.js';
import { skipReasonFor, type ProcReader } from './reader.js';

export interface HostFacts {
  pidsInUse: number;
  pidMax: number;
  threadsMax: number | null;
  forksTotal: number | null;
  /** null when PID 1's status can't be read (hidden by hidepid, or unreadable). */
  initSigchldHandled: boolean | null;
  errors: { source: SampleSource; message: string }[];
}

/** A failure of an essential source: the sample can't be trusted without it. */
export class SourceFailure extends Error {
  constructor(
    readonly source: SampleSource,
    message: string,
  ) {
    super(message);
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? (e instanceof Error ? e.message : String(err));
}

type Parsed<T> = ({ ok: true } & T) | { ok: false; failure: string };

/** Reads and parses one file; returns the value or a one-line reason. */
function read<T>(reader: ProcReader, rel: string, parse: (text: string) => Parsed<T>): { value: T } | { error: string } {
  let text: string;
  try {
    text = reader.readText(rel);
  } catch (err) {
    return { error: `read ${rel}: ${describe(err)}` };
  }
  const parsed = parse(text);
  return parsed.ok ? { value: parsed as T } : { error: `parse ${rel}: ${parsed.failure}` };
}

export function readHostFacts(reader: ProcReader): HostFacts {
  const errors: HostFacts['errors'] = [];

  const loadavg = read(reader, 'loadavg', parseLoadAvg);
  if ('error' in loadavg) throw new SourceFailure('loadavg', loadavg.error);
  const pidMax = read(reader, 'sys/kernel/pid_max', parseSysctlInt);
  if ('error' in pidMax) throw new SourceFailure('pid_max', pidMax.error);

  const threadsMax = read(reader, 'sys/kernel/threads-max', parseSysctlInt);
  if ('error' in threadsMax) errors.push({ source: 'threads_max', message: threadsMax.error });
  const forks = read(reader, 'stat', parseForks);
  if ('error' in forks) errors.push({ source: 'stat', message: forks.error });

  let initSigchldHandled: boolean | null = null;
  try {
    const parsed = parseStatus(reader.readText('1/status'));
    if (parsed.ok) initSigchldHandled = handlesSigchld(parsed.status);
    else errors.push({ source: 'init', message: `parse 1/status: ${parsed.failure}` });
  } catch (err) {
    // PID 1 hidden (hidepid=2 as non-root, or absent in a fixture) is a view of the host, not a fault.
    const reason = skipReasonFor(err);
    if (reason !== 'permission' && reason !== 'vanished') errors.push({ source: 'init', message: `read 1/status: ${describe(err)}` });
  }

  return {
    pidsInUse: loadavg.value.loadavg.tasks,
    pidMax: pidMax.value.value,
    threadsMax: 'value' in threadsMax ? threadsMax.value.value : null,
    forksTotal: 'value' in forks ? forks.value.forks : null,
    initSigchldHandled,
    errors,
  };
}
