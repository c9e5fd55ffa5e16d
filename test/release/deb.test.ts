// The .deb (scripts/release/build-deb.mjs), built around a stand-in executable (a shell script: the package's
// layout is what is judged here; test/release/executable.test.ts judges the executable) and read back with dpkg-deb:
// what a host gets from `apt-get install ./zombie-exporter_*.deb`.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { REPO } from '../helpers/processes.js';

const hasDpkg = spawnSync('dpkg-deb', ['--version']).status === 0;
const skip = hasDpkg ? false : process.env.CI ? false : 'dpkg-deb not installed (Debian package dpkg)';

t.test('the .deb: binary, unit, conffile, rules and dashboards, maintainer scripts', { skip }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'zombie-exporter-deb-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const exe = join(out, 'stand-in');
  writeFileSync(exe, '#!/bin/sh\necho stand-in\n');
  chmodSync(exe, 0o755);
  const { buildDeb } = (await import(join(REPO, 'scripts/release/build-deb.mjs'))) as {
    buildDeb: (options: { exe: string; out: string }) => string;
  };
  const deb = buildDeb({ exe, out });
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  t.match(
    deb,
    new RegExp(`zombie-exporter_${version.replace(/\./g, '\\.')}_[a-z0-9]+\\.deb$`),
    'named as Debian names it',
  );

  const field = (name: string) => execFileSync('dpkg-deb', ['--field', deb, name], { encoding: 'utf8' }).trim();
  t.equal(field('Package'), 'zombie-exporter');
  t.equal(field('Version'), version);
  const contents = execFileSync('dpkg-deb', ['--contents', deb], { encoding: 'utf8' });
  const files = contents
    .split('\n')
    .filter((l) => l.startsWith('-'))
    .map((l) => l.replace(/^.*\s\.\//, '/'));
  for (const path of [
    '/usr/bin/zombie-exporter',
    '/lib/systemd/system/zombie-exporter.service',
    '/etc/default/zombie-exporter',
    '/usr/share/zombie-exporter/prometheus/zombie-exporter-rules.yml',
    '/usr/share/zombie-exporter/prometheus/zombie-exporter-alerts.yml',
    '/usr/share/zombie-exporter/grafana/zombie-exporter-fleet.json',
    '/usr/share/zombie-exporter/grafana/zombie-exporter-host.json',
    '/usr/share/doc/zombie-exporter/copyright',
  ])
    t.ok(files.includes(path), `ships ${path}`);
  t.match(
    contents,
    /-rwxr-xr-x root\/root .* \.\/usr\/bin\/zombie-exporter/,
    'the binary is root-owned and executable',
  );

  const root = join(out, 'root');
  execFileSync('dpkg-deb', ['--raw-extract', deb, root]);
  t.equal(
    readFileSync(join(root, 'DEBIAN/conffiles'), 'utf8'),
    '/etc/default/zombie-exporter\n',
    'the defaults are a conffile',
  );
  const unit = readFileSync(join(root, 'lib/systemd/system/zombie-exporter.service'), 'utf8');
  t.match(unit, /^ExecStart=\/usr\/bin\/zombie-exporter \$ZOMBIE_EXPORTER_ARGS$/m, 'the unit starts the binary');
  t.match(
    unit,
    /^Environment=NODE_OPTIONS=--max-semi-space-size=1$/m,
    'with the V8 flag it takes only from NODE_OPTIONS',
  );
  t.match(unit, /^EnvironmentFile=-\/etc\/default\/zombie-exporter$/m, 'and the flags from the conffile');
  t.match(unit, /^DynamicUser=yes$/m, 'hardened as deploy/systemd is');
  t.notMatch(unit, /\/usr\/local\/lib|\/usr\/bin\/node/, 'nothing of the npm install left');
  const postinst = readFileSync(join(root, 'DEBIAN/postinst'), 'utf8');
  t.match(postinst, /systemctl enable zombie-exporter\.service/, 'postinst enables the unit');
  t.match(postinst, /systemctl restart zombie-exporter\.service/, 'and starts it');
  t.match(
    readFileSync(join(root, 'DEBIAN/prerm'), 'utf8'),
    /systemctl stop zombie-exporter\.service/,
    'prerm stops it',
  );
  t.match(readFileSync(join(root, 'DEBIAN/postrm'), 'utf8'), /deb-systemd-helper purge/, 'postrm forgets it on purge');
  for (const script of ['postinst', 'prerm', 'postrm'])
    t.equal(spawnSync('sh', ['-n', join(root, 'DEBIAN', script)]).status, 0, `${script} parses`);

  // The packaged unit passes systemd's own check, as deploy/systemd's does (test/deploy/systemd.test.ts).
  if (spawnSync('systemd-analyze', ['--version']).status === 0) {
    const unitFile = join(out, 'zombie-exporter.service');
    writeFileSync(unitFile, unit.replace('/usr/bin/zombie-exporter', exe));
    const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    t.equal(verify.status, 0, `systemd-analyze verify: ${verify.stderr.trim()}`);
  }
});
