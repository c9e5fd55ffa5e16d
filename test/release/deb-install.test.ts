// The .deb on a systemd host: `apt-get install ./zombie-exporter_*.deb` in a Debian container booted with systemd
// as PID 1 (an mmdebstrap rootfs, `podman run --systemd=always --privileged`), as an SRE installs it. The unit must
// be enabled and started by the package's own scripts, run as a dynamic user with the native walker it carries,
// serve /metrics and count a real leak in that host's processes; `systemctl stop` and `apt-get purge` must leave
// nothing behind. test/release/deb.test.ts judges the package's layout; this judges what it does.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { find, parseExposition, valueOf } from '../helpers/exposition.js';
import { containerSkip, podman, podmanExec, ULIMITS } from '../helpers/podman.js';
import { REPO } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const skip = containerSkip('podman --privileged with systemd as PID 1', ['mmdebstrap', 'dpkg-deb']);
/** The host's Debian release: mmdebstrap then reads the host's own apt sources and keyring. */
const suite = /^VERSION_CODENAME=(\S+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';

/** GET /metrics inside the container, with bash's /dev/tcp: the container has no network and no curl. */
function scrape(name: string): { status: string; body: string } | undefined {
  const r = podmanExec(name, [
    'bash',
    '-c',
    'exec 3<>/dev/tcp/127.0.0.1/10070 && printf "GET /metrics HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3',
  ]);
  if (r.status !== 0) return undefined;
  const split = r.stdout.indexOf('\r\n\r\n');
  return { status: r.stdout.slice(0, r.stdout.indexOf('\r\n')), body: r.stdout.slice(split + 4) };
}

t.test(
  'apt-get install of the .deb on a systemd host: enabled, started, served; purge cleans up',
  { skip, timeout: 420_000 },
  async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'zombie-exporter-deb-install-'));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    const { buildExecutable } = (await import(join(REPO, 'scripts/release/build-executable.mjs'))) as {
      buildExecutable: (options: { out: string }) => Promise<string>;
    };
    const { buildDeb } = (await import(join(REPO, 'scripts/release/build-deb.mjs'))) as {
      buildDeb: (options: { exe: string; out: string }) => string;
    };
    const deb = buildDeb({ exe: await buildExecutable({ out }), out });

    // A minimal Debian with systemd (and python3, for the leak), from the host's mirror (~25 s): nothing of the
    // host's own packages is in it.
    const rootfs = join(out, 'rootfs.tar');
    execFileSync(
      'mmdebstrap',
      ['--quiet', '--variant=minbase', '--include=systemd,systemd-sysv,dbus,python3-minimal', suite, rootfs],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const image = `localhost/zombie-exporter-systemd-test:${String(process.pid)}`;
    const name = `zombie-exporter-deb-test-${String(process.pid)}`;
    podman(['import', '-q', rootfs, image]);
    t.teardown(() => {
      try {
        podman(['rm', '-f', '-t', '0', name]);
      } catch {
        // never started
      }
      podman(['rmi', '-f', image]);
    });
    podman([
      'run',
      '-d',
      `--name=${name}`,
      '--systemd=always',
      '--privileged',
      '--network=none',
      ...ULIMITS,
      image,
      '/sbin/init',
    ]);
    const booted = await waitFor(
      'systemd to finish booting',
      () => {
        const r = podmanExec(name, ['systemctl', 'is-system-running']);
        const state = r.stdout.trim();
        return state === 'running' || state === 'degraded' ? state : undefined;
      },
      120_000,
      250,
    );
    t.equal(booted, 'running', `systemd booted (${podmanExec(name, ['systemctl', '--failed', '--no-legend']).stdout})`);

    podman(['cp', deb, `${name}:/tmp/zombie-exporter.deb`]);
    const install = podmanExec(name, ['apt-get', 'install', '-y', '-q', '/tmp/zombie-exporter.deb']);
    t.equal(install.status, 0, `apt-get install: ${install.stderr.slice(-400)}`);
    const systemctl = (...args: string[]) => podmanExec(name, ['systemctl', ...args]).stdout.trim();
    t.equal(systemctl('is-enabled', 'zombie-exporter.service'), 'enabled', 'postinst enabled the unit');
    t.equal(systemctl('is-active', 'zombie-exporter.service'), 'active', 'and started it');
    t.equal(systemctl('show', '-p', 'DynamicUser', '--value', 'zombie-exporter.service'), 'yes', 'as a dynamic user');
    const mainPid = systemctl('show', '-p', 'MainPID', '--value', 'zombie-exporter.service');
    const status = podmanExec(name, ['cat', `/proc/${mainPid}/status`]).stdout;
    t.notMatch(status, /^Uid:\s+0\b/m, 'not as root');
    t.match(
      podmanExec(name, ['cat', `/proc/${mainPid}/environ`]).stdout,
      /NODE_OPTIONS=--max-semi-space-size=1\0/,
      'with the V8 flag the unit passes',
    );
    const security = podmanExec(name, ['systemd-analyze', 'security', '--no-pager', 'zombie-exporter.service']);
    const exposure = Number(/Overall exposure level for zombie-exporter\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
    t.ok(exposure <= 2, `systemd-analyze security: exposure ${String(exposure)}, under 2 ("OK")`);

    // A real leak on that host, as test/fixtures/bin/leak.py makes one: three children that exit at once, and a parent
    // that then execs sleep, which never waits. (A shell's children are no good: bash reaps them before its exec.)
    t.equal(
      podmanExec(name, [
        'systemd-run',
        '--unit=zombie-leak',
        '--property=Type=exec',
        'python3',
        '-c',
        'import os\nfor _ in range(3):\n    if os.fork() == 0: os._exit(0)\nos.execvp("sleep", ["sleep", "3600"])',
      ]).status,
      0,
      'started a leak',
    );
    const leakPid = systemctl('show', '-p', 'MainPID', '--value', 'zombie-leak.service');
    await waitFor('the leak to finish forking', () => {
      const children = podmanExec(name, ['cat', `/proc/${leakPid}/task/${leakPid}/children`])
        .stdout.trim()
        .split(/\s+/);
      const zombies = children.filter((pid) =>
        /^State:\s+Z/m.test(podmanExec(name, ['cat', `/proc/${pid}/status`]).stdout),
      );
      return zombies.length === 3;
    });
    // The unit runs the default 5 s interval: the leak shows within two samples.
    const served = await waitFor(
      "the leak's zombies in the exposition",
      () => {
        const r = scrape(name);
        return r?.body.includes(`parent_pid="${leakPid}"`) ? r : undefined;
      },
      30_000,
      250,
    );
    t.equal(served.status, 'HTTP/1.1 200 OK', '/metrics answers 200');
    const series = parseExposition(served.body);
    t.equal(valueOf(series, 'proctable_zombies_by_parent', { parent_pid: leakPid }), 3, "the leak's three zombies");
    t.equal(find(series, 'zombie_exporter_build_info')[0]?.labels.walker, 'native', 'walked by the native reader');
    t.match(
      podmanExec(name, ['journalctl', '-u', 'zombie-exporter.service', '--no-pager', '-o', 'cat']).stdout,
      /msg=listening address=\[::\]:10070 .*walker=native/,
      'its start-up line is in the journal',
    );

    t.equal(podmanExec(name, ['systemctl', 'stop', 'zombie-exporter.service']).status, 0, 'systemctl stop');
    t.equal(systemctl('is-active', 'zombie-exporter.service'), 'inactive', 'stopped');
    t.equal(systemctl('show', '-p', 'Result', '--value', 'zombie-exporter.service'), 'success', 'and exited cleanly');
    const purge = podmanExec(name, ['apt-get', 'purge', '-y', '-q', 'zombie-exporter']);
    t.equal(purge.status, 0, `apt-get purge: ${purge.stderr.slice(-400)}`);
    const left = podmanExec(name, [
      'bash',
      '-c',
      'ls -d /usr/bin/zombie-exporter /etc/default/zombie-exporter /lib/systemd/system/zombie-exporter.service ' +
        '/usr/share/zombie-exporter /usr/share/doc/zombie-exporter ' +
        '/etc/systemd/system/multi-user.target.wants/zombie-exporter.service ' +
        '/var/lib/systemd/deb-systemd-helper-enabled/zombie-exporter.service 2>/dev/null; true',
    ]).stdout;
    t.equal(left, '', 'purge left no file of the package');
    t.equal(
      podmanExec(name, ['systemctl', 'list-unit-files', '--no-legend', 'zombie-exporter.service']).stdout.trim(),
      '',
      'systemd no longer knows the unit',
    );
    t.not(podmanExec(name, ['dpkg', '-s', 'zombie-exporter']).status, 0, 'dpkg no longer knows the package');
  },
);
