// podman as the release tests run it. On this VM podman needs runc (crun can't run on its hybrid cgroups) and
// nofile/nproc ulimits it may set itself (no CAP_SYS_RESOURCE to raise them past the host's).

import { spawnSync } from 'node:child_process';

export const PODMAN = ['--runtime', 'runc'];
export const ULIMITS = ['--ulimit=nofile=4096:4096', '--ulimit=nproc=4096:4096'];

const has = (cmd: string) => spawnSync(cmd, ['--version']).status === 0;

/**
 * Why a test that runs containers skips here, or false: it needs root and the tools named (Debian packages of the
 * same names). Under CI, where .ci/run installs them, a missing tool fails the test instead of skipping it.
 */
export function containerSkip(why: string, tools: string[]): string | false {
  if (process.env.CI) return false;
  if (process.getuid?.() !== 0) return `needs root (${why})`;
  const missing = ['podman', 'runc', ...tools].filter((cmd) => !has(cmd));
  return missing.length > 0 ? `${missing.join(', ')} not installed (Debian packages of the same names)` : false;
}

/** Runs podman with the runtime it needs here; throws with its stderr when it fails. */
export function podman(args: string[], input?: string): string {
  const r = spawnSync('podman', [...PODMAN, ...args], { encoding: 'utf8', input, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')}: exit ${String(r.status)}: ${r.stderr.slice(-600)}`);
  return r.stdout;
}

/** A command's exit status and output inside a running container. */
export function podmanExec(name: string, command: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('podman', [...PODMAN, 'exec', name, ...command], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
