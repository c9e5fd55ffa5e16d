// Finds promtool: required under CI (CI is set), optional on a developer machine, where tests skip and say why.

import { spawnSync } from 'node:child_process';

export function promtool(): { path: string } | { skip: string } {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path) return { path };
  if (process.env.CI) throw new Error('promtool is required under CI (Debian package prometheus); .ci/run installs it');
  return { skip: 'promtool not found: apt-get install prometheus to run this test' };
}
