// Stand-ins for containers, real to the kernel: a PID namespace (`unshare --pid --fork --mount-proc`) whose PID 1 is
// one kind of init (test/fixtures/bin/init.py), with a process inside that orphans a child to it every so often,
// optionally in a pids cgroup of its own. Killed by process group, and by SIGKILL to its init (which ends the
// namespace), whatever happens.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { REPO } from './processes.js';
import type { TestCgroup } from './cgroups.js';
import { waitFor } from './wait.js';

const INIT = `${REPO}test/fixtures/bin/init.py`;
const ORPHANER = `${REPO}test/fixtures/bin/orphaner.py`;

export type InitKind = 'sleep' | 'waitloop' | 'tini' | 'slow';

export interface TestContainer {
  /** The namespace's PID 1, by its pid in the host's PID namespace. */
  initPid: number;
  /** SIGKILLs the init (the kernel then kills everything in the namespace) and the group; resolves when gone. */
  stop(): Promise<void>;
}

const started = new Set<number>();
process.on('exit', () => {
  for (const pgid of started) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** The pids a process has forked and not lost (Linux 3.5+, /proc/PID/task/PID/children). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Starts a namespace whose PID 1 is `kind`, leaking an orphan to it every `everySeconds` (exiting `delaySeconds`
 * after it is orphaned), in `cgroup` when given. `env` reaches init.py (SLOW=seconds for the slow kind).
 */
export async function startContainer(
  kind: InitKind,
  everySeconds: number,
  options: { cgroup?: TestCgroup; delaySeconds?: number; env?: Record<string, string> } = {},
): Promise<TestContainer> {
  const inner = [
    'unshare',
    '--pid',
    '--fork',
    '--mount-proc',
    'python3',
    INIT,
    kind,
    '--',
    'python3',
    ORPHANER,
    String(everySeconds),
    String(options.delaySeconds ?? 0.1),
  ];
  // Joins the cgroup first, so the namespace and everything in it are charged to it from the start.
  const argv = options.cgroup
    ? ['sh', '-c', `echo $$ > ${options.cgroup.dir}/cgroup.procs && exec "$@"`, 'sh', ...inner]
    : inner;
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, ...options.env },
  });
  const pgid = child.pid!;
  started.add(pgid);
  const exited = once(child, 'exit');
  const initPid = await waitFor(`the ${kind} namespace's init`, () => children(pgid)[0]);
  return {
    initPid,
    async stop() {
      for (const [pid, group] of [
        [initPid, false],
        [pgid, true],
      ] as const) {
        try {
          process.kill(group ? -pid : pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await exited;
      started.delete(pgid);
    },
  };
}
