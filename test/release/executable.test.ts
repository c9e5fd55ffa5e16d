// The single executable (scripts/release/build-executable.mjs), built into a temporary folder and run the way a host
// without Node.js runs it: an empty environment (no PATH, so no node to fall back on), from a folder holding nothing
// else. It must walk the real /proc with the native reader it carries, count a real leak's zombies, serve the
// exporter's own metrics from its workers, and run `inspect`.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { find, parseExposition, valueOf } from '../helpers/exposition.js';
import { REPO, startExporter, startLeak } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const ADDON = existsSync(join(REPO, 'build/Release/stat_batch.node'));
const skip = process.platform === 'linux' ? false : 'the single executable is built for Linux only';

t.test('the single executable, with no Node.js and an empty environment', { skip, timeout: 120_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'zombie-exporter-sea-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const { buildExecutable } = (await import(join(REPO, 'scripts/release/build-executable.mjs'))) as {
    buildExecutable: (options: { out: string }) => Promise<string>;
  };
  const exe = await buildExecutable({ out });
  t.ok(existsSync(exe), 'built');

  const version = spawnSync(exe, ['--version'], {
    env: {},
    cwd: out,
    encoding: 'utf8',
  });
  t.equal(version.status, 0, '--version exits 0');
  t.match(version.stdout, /^zombie-exporter, version 0\.\d+\.\d+ \(branch: /, '--version names the build');

  const leak = await startLeak('zombies', 4);
  t.teardown(() => leak.stop());
  const ex = await startExporter(['--sample.interval=100ms', '--zombies.top-parents=1000'], {
    executable: exe,
    env: {},
  });
  t.teardown(() => ex.stop());
  const text = await waitFor('the leak in the exposition', async () => {
    const res = await fetch(`${ex.url}/metrics`);
    const body = await res.text();
    return res.status === 200 && body.includes(`parent_pid="${String(leak.parentPid)}"`) && body;
  });
  const series = parseExposition(text);
  t.equal(
    valueOf(series, 'proctable_zombies_by_parent', {
      parent_pid: String(leak.parentPid),
    }),
    4,
    "the leak's four zombies are counted",
  );
  const build = find(series, 'zombie_exporter_build_info');
  t.equal(build.length, 1, 'one build_info series');
  t.equal(build[0]?.labels.walker, ADDON ? 'native' : 'node', 'walks with the reader it carries');
  // The host-info worker runs from the code inside the executable too: systeminformation's OS facts, not node:os's.
  await waitFor('host info', async () => {
    const body = await (await fetch(`${ex.url}/metrics`)).text();
    return /zombie_exporter_host_info\{[^}]*distro="[^"]+"/.test(body);
  });
  const stopped = await ex.stop();
  t.equal(stopped.code, 0, 'stops cleanly on SIGTERM');

  const inspect = spawnSync(exe, ['inspect', '--json'], {
    env: {},
    cwd: out,
    encoding: 'utf8',
  });
  t.ok(
    inspect.status === 0 || inspect.status === 1 || inspect.status === 2,
    `inspect ran (exit ${String(inspect.status)})`,
  );
  const report = JSON.parse(inspect.stdout) as {
    parents?: { pid: number; zombies: number }[];
  };
  t.ok(JSON.stringify(report).includes(String(leak.parentPid)), 'inspect names the leaking parent');
});
