// npm install hook: builds the optional native stat reader (native/stat-batch.c). It never fails the install:
// without a compiler the walk reads /proc through node:fs, correct but with ~1.3x the CPU (docs/performance.md).

import { spawnSync } from 'node:child_process';

if (process.platform !== 'linux') process.exit(0);
// npm puts its bundled node-gyp on PATH for lifecycle scripts; it builds against the headers npm is configured for.
const r = spawnSync('node-gyp', ['rebuild'], { encoding: 'utf8', shell: false });
if (r.status === 0) {
  process.stdout.write('zombie-exporter: built the native stat reader (build/Release/stat_batch.node)\n');
} else {
  const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
  process.stderr.write(`zombie-exporter: native stat reader not built, walks will use node:fs (${why})\n`);
}
