// The OCI image (scripts/release/build-image.mjs) as the DaemonSet runs it: loaded with `podman load`, run in the
// host's PID namespace as nobody, read-only, with a tmpfs /tmp. It must count a real leak's zombies on the host.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { find, parseExposition, valueOf } from '../helpers/exposition.js';
import { containerSkip, PODMAN, ULIMITS } from '../helpers/podman.js';
import { REPO, startLeak } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const skip = containerSkip('podman with --pid=host', ['umoci']);

t.test('the image: podman load, then run --pid=host as nobody, read-only', { skip, timeout: 240_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'zombie-exporter-image-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const { buildExecutable } = (await import(join(REPO, 'scripts/release/build-executable.mjs'))) as {
    buildExecutable: (options: { out: string }) => Promise<string>;
  };
  const { buildImage } = (await import(join(REPO, 'scripts/release/build-image.mjs'))) as {
    buildImage: (options: { exe: string; out: string }) => { archive: string; reference: string };
  };
  const { archive, reference } = buildImage({ exe: await buildExecutable({ out }), out });
  const loaded = spawnSync('podman', [...PODMAN, 'load', '-i', archive], { encoding: 'utf8' });
  t.equal(loaded.status, 0, `podman load: ${loaded.stderr.slice(-300)}`);
  t.match(loaded.stdout, reference, 'loads under the name the DaemonSet gives');
  const inspect = JSON.parse(
    execFileSync('podman', [...PODMAN, 'image', 'inspect', reference], { encoding: 'utf8' }),
  ) as { Config: { User: string } }[];
  t.equal(inspect[0]?.Config.User, '65534:65534', 'runs as nobody');

  const leak = await startLeak('zombies', 3);
  t.teardown(() => leak.stop());
  const name = `zombie-exporter-test-${String(process.pid)}`;
  const port = 20_000 + (process.pid % 10_000);
  const run = spawn(
    'podman',
    [
      ...PODMAN,
      'run',
      '--rm',
      `--name=${name}`,
      '--pid=host',
      '--network=host',
      '--read-only',
      '--tmpfs=/tmp',
      ...ULIMITS,
      '--cap-drop=all',
      reference,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--sample.interval=200ms',
      '--zombies.top-parents=1000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let log = '';
  run.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = once(run, 'exit');
  t.teardown(async () => {
    spawnSync('podman', [...PODMAN, 'rm', '-f', '-t', '2', name]);
    if (run.exitCode === null && run.signalCode === null) {
      try {
        process.kill(-run.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      await exited;
    }
    spawnSync('podman', [...PODMAN, 'rmi', '-f', reference]);
  });
  const text = await waitFor(
    'the leak in the exposition',
    async () => {
      const res = await fetch(`http://127.0.0.1:${String(port)}/metrics`).catch(() => undefined);
      const body = res?.status === 200 ? await res.text() : '';
      return body.includes(`parent_pid="${String(leak.parentPid)}"`) && body;
    },
    60_000,
  );
  const series = parseExposition(text);
  t.equal(
    valueOf(series, 'proctable_zombies_by_parent', { parent_pid: String(leak.parentPid) }),
    3,
    "the host's leak is seen from the container",
  );
  t.equal(find(series, 'zombie_exporter_build_info')[0]?.labels.walker, 'native', 'with the native reader it carries');
  t.match(log, /msg=listening/, 'logged its start');
});
