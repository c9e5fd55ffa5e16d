// Writes dist/build-stamp.json: the git revision and branch the build was made from, for
// zombie_exporter_build_info (src/runtime/build-facts.ts). Outside a git checkout, or without git, both are
// 'unknown'; a build never fails for want of them.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** One git answer, or undefined when git or the checkout is missing. */
function git(...args) {
  try {
    const out = execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/** The revision and branch of the checkout at root ('unknown' for each it can't tell; a detached HEAD has no branch). */
export function readStamp() {
  const revision = git('rev-parse', 'HEAD') ?? 'unknown';
  const branch = git('symbolic-ref', '--short', '-q', 'HEAD') ?? 'unknown';
  return { revision, branch };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../dist/build-stamp.json', import.meta.url), `${JSON.stringify(readStamp())}\n`);
}
