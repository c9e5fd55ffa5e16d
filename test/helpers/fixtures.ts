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

/** Wraps a reader so chosen calls throw an errno error, as a failing kernel or filesystem would. */
export function faultyReader(
  inner: ProcReader,
  faults: { pidFile?: (pid: number, name: string) => string | undefined; text?: (rel: string) => string | undefined; list?: () => string | undefined },
): ProcReader {
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
      return inner.readPidFile(pid, name, buf);
    },
    readText(rel) {
      const code = faults.text?.(rel);
      if (code) throw errno(code, `open ${rel}`);
      return inner.readText(rel);
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
