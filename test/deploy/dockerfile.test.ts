// The Dockerfile without a Docker engine (none here or in CI): its instructions parse (dockerfile-utils), its
// stages do what the issue asks, every file it copies is in the build context, and its runtime stage's files (the
// ones its COPY lines name, with production dependencies only) start the exporter as nobody and serve /metrics.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { validate } from 'dockerfile-utils';
import { REPO, SHIPPED_NODE_FLAGS } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const text = readFileSync(`${REPO}Dockerfile`, 'utf8');
// Instructions with their continuation lines joined, comments dropped.
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  .map((l) => {
    const [op, ...rest] = l.trim().split(/\s+/);
    return { op: op!.toUpperCase(), args: rest.join(' ') };
  });
const stages: { from: string; body: typeof instructions }[] = [];
for (const i of instructions) {
  if (i.op === 'FROM') stages.push({ from: i.args, body: [] });
  else stages.at(-1)?.body.push(i);
}
const [build, runtime] = stages;

t.test('the instructions parse', async (t) => {
  t.same(
    validate(text).map(
      (d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    ),
    [],
  );
});

t.test(
  'two stages on Node 20 bookworm-slim; the toolchain only where the addon is built; non-root at run time',
  async (t) => {
    t.equal(stages.length, 2);
    t.equal(build!.from, 'node:20-bookworm-slim AS build');
    t.equal(runtime!.from, 'node:20-bookworm-slim');
    t.match(build!.body.find((i) => i.op === 'RUN' && i.args.includes('apt-get install'))?.args, /python3 make g\+\+/);
    t.notOk(
      runtime!.body.some((i) => i.op === 'RUN'),
      'nothing installed in the runtime stage',
    );
    t.ok(
      build!.body.some((i) => i.op === 'RUN' && i.args.includes('npm prune --omit=dev')),
      'dev dependencies pruned',
    );
    const user = runtime!.body.find((i) => i.op === 'USER')?.args ?? '';
    t.match(user, /^[1-9]\d*:[1-9]\d*$/, 'a numeric non-root user (runAsNonRoot can check it)');
    const entry = JSON.parse(runtime!.body.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    t.same(entry, ['node', ...SHIPPED_NODE_FLAGS, '/app/dist/main.js'], "the shebang's node flags");
  },
);

t.test('every file the build stage copies is in the build context', async (t) => {
  const ignored = readFileSync(`${REPO}.dockerignore`, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  for (const copy of build!.body.filter((i) => i.op === 'COPY')) {
    const sources = copy.args.split(/\s+/).slice(0, -1);
    for (const src of sources) {
      t.ok(existsSync(`${REPO}${src}`), `${src} exists`);
      t.notOk(
        ignored.some((i) => src === i || src.startsWith(`${i}/`)),
        `${src} is not in .dockerignore`,
      );
    }
  }
});

t.test("the runtime stage's files run the exporter as nobody, with production dependencies only", async (t) => {
  const app = mkdtempSync(join(tmpdir(), 'ze-image-'));
  t.teardown(() => rmSync(app, { recursive: true, force: true }));
  // node_modules as the build stage leaves it after `npm prune --omit=dev`: installed from the lockfile without dev.
  cpSync(`${REPO}package.json`, `${app}/package.json`);
  cpSync(`${REPO}package-lock.json`, `${app}/package-lock.json`);
  const npm = spawnSync(
    'npm',
    ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
    {
      cwd: app,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  t.equal(npm.status, 0, `npm ci --omit=dev: ${npm.stderr.slice(-500)}`);
  for (const copy of runtime!.body.filter((i) => i.op === 'COPY')) {
    const [src] = copy.args.replace('--from=build ', '').split(/\s+/);
    const rel = src!.replace(/^\/app\//, '').replace(/\/$/, '');
    if (rel === 'node_modules' || rel === 'package.json') continue; // made above, as the build stage makes them
    if (!existsSync(`${REPO}${rel}`)) {
      t.equal(rel, 'build', `${rel}: only the optional addon may be missing (no compiler here)`);
      continue;
    }
    cpSync(`${REPO}${rel}`, `${app}/${rel}`, { recursive: true });
  }
  t.notOk(existsSync(`${app}/node_modules/typescript`), 'no dev dependency in the image');
  chmodSync(app, 0o755);
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const argv = [
    ...asNobody,
    process.execPath,
    ...SHIPPED_NODE_FLAGS,
    `${app}/dist/main.js`,
    '--web.listen-address=127.0.0.1:0',
  ];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: app, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(child, 'exit');
  t.teardown(async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (log += c));
  const address = await waitFor('the exporter to listen', () => /msg=listening address=(\S+)/.exec(log)?.[1], 20_000);
  const body = await waitFor('the first sample', async () => {
    const res = await fetch(`http://${address}/metrics`);
    return res.status === 200 && res.text();
  });
  t.match(body, /^proctable_zombies \d+$/m);
  t.match(body, /^zombie_exporter_build_info\{version="[^"]+"/m);
});
