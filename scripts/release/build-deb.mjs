// Builds release/zombie-exporter_<version>_<arch>.deb from the single executable: the binary in /usr/bin, the
// systemd unit (deploy/systemd's, started from the binary), /etc/default/zombie-exporter as a conffile, the rules
// and dashboards under /usr/share/zombie-exporter, a DEP-5 copyright, and maintainer scripts that do what
// dh_installsystemd's do (enable and start on install, stop on removal, forget on purge). dpkg-deb alone builds it:
// no debhelper on the build host.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEB_ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };

/** The packaged unit: deploy/systemd's, with ExecStart the binary and NODE_OPTIONS for the one V8 flag it can't set. */
export function packagedUnit(unit) {
  const execStarts = unit.split('\n').filter((line) => line.startsWith('ExecStart='));
  if (execStarts.length !== 1)
    throw new Error(`deploy/systemd/zombie-exporter.service: ${execStarts.length} ExecStart lines`);
  return unit
    .split('\n')
    .filter(
      (line) =>
        !/^# (zombie-exporter as a hardened|Install the package|\/usr\/local\/lib|ZOMBIE_EXPORTER_ARGS=|zombie-exporter\. Checked)/.test(
          line,
        ),
    )
    .map((line) =>
      line.startsWith('ExecStart=')
        ? [
            '# The single executable sets --no-allocation-site-pretenuring itself; this flag V8 takes only from NODE_OPTIONS.',
            'Environment=NODE_OPTIONS=--max-semi-space-size=1',
            'ExecStart=/usr/bin/zombie-exporter $ZOMBIE_EXPORTER_ARGS',
          ].join('\n')
        : line,
    )
    .join('\n');
}

const POSTINST = `#!/bin/sh
set -e
# As dh_installsystemd: enable on first install, (re)start on install and upgrade, when systemd runs.
if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ]; then
  if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
    deb-systemd-helper unmask zombie-exporter.service >/dev/null 2>&1 || true
    if deb-systemd-helper --quiet was-enabled zombie-exporter.service 2>/dev/null || [ -z "$2" ]; then
      systemctl enable zombie-exporter.service >/dev/null 2>&1 || true
    fi
    systemctl restart zombie-exporter.service || true
  fi
fi
`;
const PRERM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl stop zombie-exporter.service || true
fi
`;
const POSTRM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = "purge" ]; then
  if command -v deb-systemd-helper >/dev/null; then
    deb-systemd-helper purge zombie-exporter.service >/dev/null || true
  fi
  rm -f /etc/systemd/system/multi-user.target.wants/zombie-exporter.service
fi
`;

function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyTree(join(from, entry.name), join(to, entry.name));
    else copyFileSync(join(from, entry.name), join(to, entry.name));
  }
}

/** Builds the .deb around the executable at exe; returns its path. */
export function buildDeb({ exe, out = join(ROOT, 'release') }) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const arch = DEB_ARCH[process.arch];
  if (!arch) throw new Error(`no Debian architecture for ${process.arch}`);
  const stage = join(out, 'deb');
  rmSync(stage, { recursive: true, force: true });
  const put = (path, text, mode = 0o644) => {
    mkdirSync(join(stage, path, '..'), { recursive: true });
    writeFileSync(join(stage, path), text);
    chmodSync(join(stage, path), mode);
  };

  mkdirSync(join(stage, 'usr/bin'), { recursive: true });
  copyFileSync(exe, join(stage, 'usr/bin/zombie-exporter'));
  chmodSync(join(stage, 'usr/bin/zombie-exporter'), 0o755);
  put(
    'lib/systemd/system/zombie-exporter.service',
    packagedUnit(readFileSync(join(ROOT, 'deploy/systemd/zombie-exporter.service'), 'utf8')),
  );
  put(
    'etc/default/zombie-exporter',
    '# Flags for zombie-exporter (zombie-exporter --help), e.g.\n# ZOMBIE_EXPORTER_ARGS="--web.listen-address=:10070 --sample.interval=5s"\nZOMBIE_EXPORTER_ARGS=""\n',
  );
  const rules = join(stage, 'usr/share/zombie-exporter/prometheus');
  mkdirSync(rules, { recursive: true });
  for (const name of ['zombie-exporter-rules.yml', 'zombie-exporter-alerts.yml'])
    copyFileSync(join(ROOT, 'deploy/prometheus', name), join(rules, name));
  copyTree(join(ROOT, 'grafana'), join(stage, 'usr/share/zombie-exporter/grafana'));
  put(
    'usr/share/doc/zombie-exporter/copyright',
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zombie-exporter
Source: https://github.com/zombie-exporter/zombie-exporter

Files: *
Copyright: zombie-exporter authors
License: Apache-2.0
Comment: /usr/bin/zombie-exporter is a Node.js single executable: it embeds Node.js ${process.version}
 (MIT, with the bundled third-party licences listed in Node.js's LICENSE) and the npm packages the exporter
 depends on (fastify, prom-client, ajv, yaml, bcryptjs, systeminformation: MIT or Apache-2.0).

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be found in
 /usr/share/common-licenses/Apache-2.0.
`,
  );
  const installedKiB = Math.ceil(
    Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', stage], { encoding: 'utf8' }).split('\t')[0]),
  );
  put(
    'DEBIAN/control',
    `Package: zombie-exporter
Version: ${pkg.version}
Architecture: ${arch}
Maintainer: zombie-exporter authors <zombie-exporter@users.noreply.github.com>
Installed-Size: ${installedKiB}
Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1
Section: net
Priority: optional
Homepage: https://github.com/zombie-exporter/zombie-exporter
Description: Prometheus exporter for zombie processes and PID exhaustion
 Counts zombie processes by the parent that leaks them, tells whether PID 1 has
 stopped reaping, and how close the host and its cgroups are to running out of
 PIDs; with alert rules, Grafana dashboards and an inspect command.
`,
  );
  put('DEBIAN/conffiles', '/etc/default/zombie-exporter\n');
  put('DEBIAN/postinst', POSTINST, 0o755);
  put('DEBIAN/prerm', PRERM, 0o755);
  put('DEBIAN/postrm', POSTRM, 0o755);

  const deb = join(out, `zombie-exporter_${pkg.version}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: 'pipe' });
  rmSync(stage, { recursive: true, force: true });
  return deb;
}
