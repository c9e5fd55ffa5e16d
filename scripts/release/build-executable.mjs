// Builds the single executable release/zombie-exporter: esbuild bundles the exporter and each of its workers into
// CommonJS files with the runtime seams swapped for their sea/ twins (src/runtime/), Node's SEA tooling turns the
// main bundle into a blob that carries the workers and the native addon as assets, and postject injects the blob
// into a stripped copy of this machine's node. The result needs no Node.js, no node_modules and no compiler on the
// host it runs on; it is for this machine's OS and architecture.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { readStamp } from '../stamp-build.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEAMS = ['build-facts', 'worker-source', 'native-addon'];
/** The workers, as src/runtime/worker-source.ts names them, and the module each runs. */
const WORKERS = {
  'sample-worker': 'src/sample/sample-worker-entry.ts',
  'host-info-worker': 'src/metrics/host-info-worker-entry.ts',
  'bcrypt-worker': 'src/web-config/bcrypt-worker-entry.ts',
};
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Swaps an import of src/runtime/<seam>.js for src/runtime/sea/<seam>.ts. */
const seaSeams = {
  name: 'sea-seams',
  setup(build) {
    const filter = new RegExp(`(^|/)runtime/(${SEAMS.join('|')})\\.js$`);
    build.onResolve({ filter }, (args) => {
      const target = join(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      if (dirname(target) !== join(ROOT, 'src/runtime')) return undefined;
      return { path: join(ROOT, 'src/runtime/sea', target.slice(join(ROOT, 'src/runtime/').length)) };
    });
  },
};

/** Bundles one entry into one CommonJS file; any warning (an import.meta left empty, a require not found) fails. */
async function bundle(entry, outfile, facts) {
  const result = await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [seaSeams],
    define: { __ZOMBIE_EXPORTER_BUILD__: JSON.stringify(facts) },
  });
  if (result.warnings.length > 0) {
    const text = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
    throw new Error(`esbuild warned on ${entry}:\n${text.join('')}`);
  }
}

/** Makes release/zombie-exporter; returns its path. */
export async function buildExecutable({ out = join(ROOT, 'release'), log = () => undefined } = {}) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const facts = { version: pkg.version, ...readStamp() };
  const work = join(out, 'sea');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  await bundle('src/runtime/sea/entry.ts', join(work, 'main.cjs'), facts);
  const assets = {};
  for (const [name, entry] of Object.entries(WORKERS)) {
    await bundle(entry, join(work, `${name}.cjs`), facts);
    assets[`${name}.cjs`] = join(work, `${name}.cjs`);
  }
  // The addon is optional, as for `npm ci`: without it the executable walks /proc through node:fs.
  const addon = join(ROOT, 'build/Release/stat_batch.node');
  if (existsSync(addon)) assets['stat_batch.node'] = addon;
  else log('native addon not built (build/Release/stat_batch.node): the executable will walk through node:fs');

  const blob = join(work, 'sea-prep.blob');
  const config = { main: join(work, 'main.cjs'), output: blob, disableExperimentalSEAWarning: true, assets };
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: 'pipe' });

  const exe = join(out, 'zombie-exporter');
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  // Stripped before the blob goes in (strip would drop the note postject adds); node keeps what it needs to run.
  try {
    execFileSync('strip', ['--strip-all', exe], { stdio: 'pipe' });
  } catch (err) {
    log(`not stripped (${err.message.split('\n')[0]})`);
  }
  const postject = join(ROOT, 'node_modules/postject/dist/cli.js');
  execFileSync(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {
    stdio: 'pipe',
  });
  log(
    `release/zombie-exporter: ${(statSync(exe).size / 2 ** 20).toFixed(1)} MiB, with ${Object.keys(assets).join(', ')}`,
  );
  return exe;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildExecutable({ log: (line) => process.stdout.write(`${line}\n`) });
}
