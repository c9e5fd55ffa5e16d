// Every process the benchmark starts, in its own process group, killed by group on exit, Ctrl-C or a crash.

import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pidLimit, tasksInUse } from './proc-files.js';

const groups = new Set<number>();

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone already
  }
}

export function killAll(): void {
  for (const pgid of groups) killGroup(pgid);
  groups.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAll();
    process.stderr.write(`bench: ${signal}: stopped, every process it started killed\n`);
    process.exit(130);
  });
}
process.on('uncaughtException', (err) => {
  killAll();
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

/** Spawns a child in a new process group that the benchmark will kill whatever happens. */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], ...options, detached: true });
  groups.add(child.pid!);
  child.once('exit', () => {
    // The leader is gone; anything left in its group is still ours to kill.
    killGroup(child.pid!);
    groups.delete(child.pid!);
  });
  return child;
}

export async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  try {
    const exited = once(child, 'exit').then(([code]) =>
      Promise.reject(new Error(`child exited (${String(code)}) before reporting`)),
    );
    return await Promise.race([once(lines, 'line').then(([l]) => l as string), exited]);
  } finally {
    lines.close();
  }
}

const C_DIR = fileURLToPath(new URL('../../bench/c/', import.meta.url));

/** Compiles bench/c/<name>.c with the system compiler into a cache folder; returns the binary's path. */
export function compileC(name: string): string {
  const out = `${tmpdir()}/zombie-exporter-bench`;
  mkdirSync(out, { recursive: true });
  const bin = `${out}/${name}`;
  execFileSync('cc', ['-O2', '-Wall', '-o', bin, `${C_DIR}${name}.c`], { stdio: 'inherit' });
  if (!existsSync(bin)) throw new Error(`cc did not produce ${bin}`);
  return bin;
}

export interface Population {
  pgid: number;
  /** Closes its stdin: it terminates its group, reaps everything and exits; resolves when it has. */
  stop(): Promise<void>;
}

/** Never above this share of the PID limit, counting what the host already uses. */
const MAX_PID_SHARE = 0.8;

/**
 * Starts N sleepers plus Z zombies under K parents (churning every churnMs when set), refusing to take the host
 * above 80% of its PID limit.
 */
export async function startPopulation(bin: string, n: number, z: number, k: number, churnMs = 0): Promise<Population> {
  const want = n + z + k + 1;
  const limit = pidLimit();
  const inUse = tasksInUse();
  if (inUse + want + 64 > MAX_PID_SHARE * limit) {
    throw new Error(
      `refusing a population of ${want} tasks: ${inUse} in use, limit ${limit}, cap ${Math.floor(MAX_PID_SHARE * limit)}`,
    );
  }
  const child = spawnGroup(bin, [String(n), String(z), String(k), String(churnMs)]);
  const line = await firstLine(child);
  if (!line.startsWith('ready')) throw new Error(`population: ${line}`);
  return {
    pgid: child.pid!,
    async stop() {
      const exited = child.exitCode === null && child.signalCode === null ? once(child, 'exit') : Promise.resolve();
      child.stdin!.end();
      await exited;
    },
  };
}
