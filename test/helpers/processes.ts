// Starts the real things tests need (a zombie-leaking parent, the built exporter) and kills them by pid or group.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = `${REPO}dist/main.js`;
/** The node flags of src/main.ts's shebang: what every shipped launcher runs the exporter with, and so do tests. */
export const SHIPPED_NODE_FLAGS = readFileSync(`${REPO}src/main.ts`, 'utf8').split('\n')[0]!.split(' ').slice(3);
const LEAK = `${REPO}test/fixtures/bin/leak.py`;

/** Every group leader this process started; killed on exit even when a test throws. */
const groups = new Set<number>();
process.on('exit', () => {
  for (const pgid of groups) killGroup(pgid);
});

function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${what} exited (${String(code)}) before it reported`);
  });
  try {
    return await Promise.race([once(lines, 'line').then(([line]) => line as string), exited]);
  } finally {
    lines.close();
  }
}

export interface Leak {
  /** The parent that never reaps (a `sleep` after exec). */
  parentPid: number;
  /** Its zombies, or the exited thread leader. */
  childPids: number[];
  /** The subreaper that adopts and reaps them once the parent is killed. */
  reaper: ChildProcess;
  /** Kills the parent; resolves when the subreaper has reaped everything and exited. */
  killParent(): Promise<void>;
  /** Kills the whole process group. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a parent that leaks exactly `n` zombies, or (`thread-leader`) one exited leader with a live thread;
 * `wrapper` runs it otherwise, e.g. as another user (`['setpriv', '--reuid=65534', ...]`).
 */
export async function startLeak(
  kind: 'zombies' | 'thread-leader' | 'named-zombies',
  n = 0,
  wrapper: string[] = [],
  name?: Buffer,
): Promise<Leak> {
  // Another user may not reach root's python3 (a pyenv shim under /root): the system one is there for everyone.
  const python = wrapper.length > 0 && existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const command = [...wrapper, python, LEAK, kind, String(n), ...(name ? [name.toString('hex')] : [])];
  const reaper = spawn(command[0]!, command.slice(1), { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  const pgid = reaper.pid!;
  groups.add(pgid);
  const exited = once(reaper, 'exit');
  const report = JSON.parse(await firstLine(reaper, 'leak.py')) as { parent: number; children: number[] };
  return {
    parentPid: report.parent,
    childPids: report.children,
    reaper,
    async killParent() {
      process.kill(report.parent, 'SIGKILL');
      await exited;
      groups.delete(pgid);
    },
    async stop() {
      killGroup(pgid);
      groups.delete(pgid);
      if (reaper.exitCode === null && reaper.signalCode === null) await exited;
    },
  };
}

export interface Exporter {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** e.g. 127.0.0.1:41234 */
  address: string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /**
   * A command that runs the exporter, e.g. `['setpriv', '--reuid=nobody', ...]`: it is given node, the built main
   * and the flags as its last arguments.
   */
  wrapper?: string[];
  /** Runs this program (the single executable) in place of node and the built main. */
  executable?: string;
  /** The exporter's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the built exporter on a free loopback port (or where `args` say) and resolves once it logs where it listens;
 * `address` is the first address it logs.
 */
export async function startExporter(args: string[], options: StartOptions = {}): Promise<Exporter> {
  const command = [
    ...(options.wrapper ?? []),
    ...(options.executable === undefined ? [process.execPath, ...SHIPPED_NODE_FLAGS, MAIN] : [options.executable]),
    // A free loopback port, unless the test says where to listen: every --web.listen-address is served.
    ...(args.some((a) => a.startsWith('--web.listen-address') || a === '--web.systemd-socket')
      ? []
      : ['--web.listen-address=127.0.0.1:0']),
    ...args,
  ];
  const child = spawn(command[0]!, command.slice(1), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  });
  groups.add(child.pid!);
  let err = '';
  child.stderr.setEncoding('utf8');
  const listening = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      const m = /msg=listening address=(\S+)/.exec(err) ?? /"msg":"listening","address":"([^"]+)"/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exporter exited (${String(code)}): ${err}`)));
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const address = await listening;
  return {
    child,
    url: `http://${address}`,
    address,
    stderr: () => err,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      // To the whole group: behind a wrapper (unshare --fork, which does not pass signals on) the exporter is a
      // grandchild; without one the group is the exporter alone.
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      }
      const [code, sig] = await exited;
      groups.delete(child.pid!);
      killGroup(child.pid!);
      return { code, signal: sig };
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion (for bad-input tests), from `cwd` (default: this process's). */
export async function runCli(args: string[], timeoutMs = 10_000, cwd?: string): Promise<RunResult> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface PsRow {
  pid: number;
  stat: string;
  nlwp: number;
  etimes: number;
}

/** ps's view of one pid's children: the ground truth for real-zombie tests, computed by procps, not by our parser. */
export function psChildren(ppid: number): PsRow[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,stat=,nlwp=,etimes='], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === ppid)
    .map((f) => ({ pid: Number(f[0]), stat: f[2]!, nlwp: Number(f[3]), etimes: Number(f[4]) }));
}
