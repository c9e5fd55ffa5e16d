// Fixture proc trees and readers that inject faults, for tests that need what a live host can't produce on demand.

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcReader } from '../../src/procfs/reader.js';
import { REPO } from './processes.js';

export const FIXTURES = `${REPO}test/fixtures`;
export const ZOMBIE_TREE = `${FIXTURES}/proc/zombies`;

/** Copies a fixture tree to a temporary folder the test may change; removed by the returned function. */
export function copyTree(src: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ze-proc-'));
  cpSync(src, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Ground truth for a fixture tree computed another way than the parser: a regex over each readable stat file,
 * taking comm greedily up to the last ") <state> ".
 */
export function scanTree(root: string): { pid: number; state: string; ppid: number; threads: number }[] {
  const out = [];
  for (const name of readdirSync(root)) {
    if (!/^[1-9]\d*$/.test(name)) continue;
    let text: string;
    try {
      if (!statSync(join(root, name, 'stat')).isFile()) continue;
      text = readFileSync(join(root, name, 'stat'), 'utf8');
    } catch {
      continue;
    }
    const m = /^\d+ \(.*\) ([RSDZTtXxKWPI]) (\d+)(?: \S+){15} (\d+)(?: \S+){32}\n/s.exec(text);
    if (m) out.push({ pid: Number(name), state: m[1]!, ppid: Number(m[2]), threads: Number(m[3]) });
  }
  return out;
}

/** Faults to inject: an errno code to throw (undefined: no fault), or, for contents, the bytes to return instead. */
export interface Faults {
  /** Opening <pid>/<name> fails. */
  pidFile?: (pid: number, name: string) => string | undefined;
  /** Opening <pid>/<name> works (the real open and read happen) but the read fails. */
  pidRead?: (pid: number, name: string) => string | undefined;
  /** The read returns these bytes instead of the file's (empty, cut short, junk). */
  pidContent?: (pid: number, name: string, real: Buffer) => Buffer | undefined;
  /** Reading a whole text file (loadavg, pid_max, 1/status) fails. */
  text?: (rel: string) => string | undefined;
  /** Reading a text file returns this instead. */
  textContent?: (rel: string, real: string) => string | undefined;
  /** Listing the proc root fails. */
  list?: () => string | undefined;
}

/**
 * Wraps a reader so chosen calls fail with an errno error or return other bytes, as a failing kernel, filesystem
 * or a hostile tree would. The wrapped reader has no native member, so the walk goes through these calls.
 */
export function faultyReader(inner: ProcReader, faults: Faults): ProcReader {
  const errno = (code: string, what: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: ${what}`), { code });
  return {
    root: inner.root,
    listPids() {
      const code = faults.list?.();
      if (code) throw errno(code, 'scandir');
      return inner.listPids();
    },
    readPidFile(pid, name, buf) {
      const code = faults.pidFile?.(pid, name);
      if (code) throw errno(code, `open ${pid}/${name}`);
      const n = inner.readPidFile(pid, name, buf);
      const readCode = faults.pidRead?.(pid, name);
      if (readCode) throw errno(readCode, `read ${pid}/${name}`);
      const replaced = faults.pidContent?.(pid, name, Buffer.from(buf.subarray(0, n)));
      if (replaced === undefined) return n;
      return replaced.copy(buf, 0, 0, Math.min(replaced.length, buf.length));
    },
    readText(rel) {
      const code = faults.text?.(rel);
      if (code) throw errno(code, `open ${rel}`);
      const real = inner.readText(rel);
      return faults.textContent?.(rel, real) ?? real;
    },
    readPasswd() {
      const code = faults.text?.('1/root/etc/passwd');
      if (code) throw errno(code, 'open 1/root/etc/passwd');
      return inner.readPasswd();
    },
    readLink(rel) {
      const code = faults.text?.(rel);
      if (code) throw errno(code, `readlink ${rel}`);
      return inner.readLink(rel);
    },
    realRoot: () => inner.realRoot(),
  };
}
