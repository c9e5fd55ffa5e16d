// Real pids cgroups for tests run as root: finds the host's pids hierarchy (independently of the exporter's code),
// makes child cgroups with a limit, runs a forking process in one, and always removes them again.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { REPO } from './processes.js';
import { waitFor } from './wait.js';

const FORKER = `${REPO}test/fixtures/bin/pids-cgroup.py`;

/** The directory of the pids hierarchy's root, or a reason the machine can't run the real cgroup tests. */
export function pidsHierarchyRoot(): { dir: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'needs root to create cgroups' };
  const v2 = '/sys/fs/cgroup';
  if (existsSync(`${v2}/cgroup.controllers`)) {
    const enabled = readFileSync(`${v2}/cgroup.subtree_control`, 'utf8').split(/\s+/);
    if (enabled.includes('pids')) return { dir: v2 };
  }
  if (existsSync('/sys/fs/cgroup/pids/cgroup.procs')) return { dir: '/sys/fs/cgroup/pids' };
  return { skip: 'no writable pids cgroup hierarchy (neither v1 /sys/fs/cgroup/pids nor v2 with pids enabled)' };
}

/** Cgroups made by this process; removed on exit even when a test throws before its teardown. */
const made = new Set<string>();
process.on('exit', () => {
  for (const dir of made) {
    try {
      rmdirSync(dir);
    } catch {
      // still populated or already gone
    }
  }
});

export interface TestCgroup {
  /** Its directory, e.g. /sys/fs/cgroup/pids/ze-test-1234-a. */
  dir: string;
  /** Its path as the kernel writes it in /proc/PID/cgroup and the exporter labels it: `/ze-test-1234-a`. */
  path: string;
  read(file: string): string;
  /** The `max` count of pids.events, read directly: the ground truth for rejected forks. */
  eventsMax(): number;
  /** Empties the cgroup (kills what the test started in it, by process group) and removes it. */
  remove(): Promise<void>;
}

export function makeCgroup(root: string, name: string, pidsMax: number): TestCgroup {
  const dir = `${root}/${name}`;
  mkdirSync(dir);
  made.add(dir);
  writeFileSync(`${dir}/pids.max`, String(pidsMax));
  const read = (file: string): string => readFileSync(`${dir}/${file}`, 'utf8');
  return {
    dir,
    path: `/${name}`,
    read,
    eventsMax: () => Number(/^max (\d+)$/m.exec(read('pids.events'))![1]),
    async remove() {
      if (!existsSync(dir)) return;
      // Its processes were killed by the caller; the kernel empties cgroup.procs once they are reaped.
      await waitFor(`${dir} to empty`, () => read('cgroup.procs').trim() === '', 10_000);
      rmdirSync(dir);
      made.delete(dir);
    },
  };
}

export interface Forker {
  pid: number;
  zombies: number[];
  /** Tries n forks in the cgroup; resolves with how many started and how many the limit refused. */
  fork(n: number): Promise<{ started: number; refused: number }>;
  /**
   * Closes its stdin, so it kills its sleepers, reaps every child and exits; kills its process group if it has not
   * within 10 s. Resolves once it has exited.
   */
  stop(): Promise<void>;
}

/** Starts pids-cgroup.py in its own process group, joined to `cgroup`, leaving `zombies` zombies. */
export async function startForker(cgroup: TestCgroup, zombies: number): Promise<Forker> {
  const child: ChildProcess = spawn('python3', [FORKER, `${cgroup.dir}/cgroup.procs`, String(zombies)], {
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pgid = child.pid!;
  const exited = once(child, 'exit');
  const kill = (): void => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', kill);
  const lines: Interface = createInterface({ input: child.stdout! });
  const next = (): Promise<string> =>
    Promise.race([
      once(lines, 'line').then(([l]) => l as string),
      exited.then(([code]) => {
        throw new Error(`pids-cgroup.py exited (${String(code)})`);
      }),
    ]);
  const hello = JSON.parse(await next()) as { pid: number; zombies: number[] };
  return {
    pid: hello.pid,
    zombies: hello.zombies,
    async fork(n) {
      child.stdin!.write(`fork ${n}\n`);
      return JSON.parse(await next()) as { started: number; refused: number };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end();
        const timer = setTimeout(kill, 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', kill);
      lines.close();
    },
  };
}
