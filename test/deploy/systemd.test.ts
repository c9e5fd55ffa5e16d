// The hardened systemd unit: systemd-analyze verify accepts it, systemd-analyze security scores it, and it runs node
// the way every other launcher does, without the two settings that would hide the host from the exporter. Its
// socket unit: verified too, on the exporter's default port (the exporter serving a passed socket for real is
// test/http/systemd-sockets.test.ts).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { FLAGS } from '../../src/cli/config.js';
import { REPO, SHIPPED_NODE_FLAGS } from '../helpers/processes.js';

const UNIT = `${REPO}deploy/systemd/zombie-exporter.service`;
const text = readFileSync(UNIT, 'utf8');
const SOCKET = `${REPO}deploy/systemd/zombie-exporter.socket`;
const socketText = readFileSync(SOCKET, 'utf8');

function systemdAnalyze(): { path: string } | { skip: string } {
  const found = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) return { path: found.stdout.trim() };
  if (process.env.CI)
    throw new Error('systemd-analyze is required under CI (Debian package systemd); .ci/run installs it');
  return { skip: 'systemd-analyze not found: apt-get install systemd to run this test' };
}

/** Every value of a directive in a unit's text, in order (directives may repeat). */
const directiveIn = (unit: string, name: string): string[] =>
  [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!);
const directive = (name: string): string[] => directiveIn(text, name);

t.test('the settings the issue asks for, and none that would hide processes', async (t) => {
  for (const [name, value] of [
    ['DynamicUser', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['NoNewPrivileges', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['AmbientCapabilities', ''],
    ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX AF_NETLINK'],
    ['ProtectProc', 'default'],
    ['ProcSubset', 'all'],
  ]) {
    t.same(directive(name!), [value], `${name}=${value}`);
  }
  t.match(directive('MemoryMax')[0], /^\d+M$/, 'a memory cap');
  t.same(directive('MemoryDenyWriteExecute'), [], "not set: V8's JIT needs it off");
  t.same(directive('PrivateUsers'), [], 'not set: other users would read as nobody');
});

t.test("node runs with the shebang's flags, like npm start", async (t) => {
  const start = (JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { scripts: { start: string } }).scripts
    .start;
  const flags = SHIPPED_NODE_FLAGS.join(' ');
  t.ok(
    SHIPPED_NODE_FLAGS.includes('--single-threaded-gc') &&
      SHIPPED_NODE_FLAGS.includes('--max-semi-space-size=1') &&
      SHIPPED_NODE_FLAGS.includes('--no-allocation-site-pretenuring'),
    flags,
  );
  t.equal(start, `node ${flags} dist/main.js`, 'npm start');
  t.equal(
    directive('ExecStart')[0],
    `/usr/bin/node ${flags} /usr/local/lib/node_modules/zombie-exporter/dist/main.js $ZOMBIE_EXPORTER_ARGS`,
  );
});

t.test('the socket unit: the default port, one exporter for every connection, named in the service', async (t) => {
  t.same(directiveIn(socketText, 'ListenStream'), [FLAGS['web.listen-address'].default.replace(/^:/, '')]);
  t.same(
    directiveIn(socketText, 'Accept'),
    ['no'],
    'the exporter serves the socket; systemd starts no one per connection',
  );
  t.same(directiveIn(socketText, 'WantedBy'), ['sockets.target']);
  t.same(directiveIn(socketText, 'Service'), [], 'the service of the same name, implied');
  t.match(socketText, '--web.systemd-socket', 'it says which flag the service needs');
  const header = text.slice(0, text.indexOf('[Unit]'));
  t.match(header, 'zombie-exporter.socket', "the service's comment points at it");
  t.match(header, '--web.systemd-socket');
});

const tool = systemdAnalyze();
t.test(
  'systemd-analyze verify accepts it, and security rates it OK',
  { skip: 'skip' in tool && tool.skip },
  async (t) => {
    if (!('path' in tool)) return;
    const verify = spawnSync(tool.path, ['verify', UNIT], { encoding: 'utf8' });
    t.equal(verify.status, 0, `verify: ${verify.stderr}`);
    t.equal(verify.stderr.trim(), '', 'no warnings either');
    const security = spawnSync(tool.path, ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
    const score = Number(/Overall exposure level for zombie-exporter\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
    t.ok(score <= 2, `exposure ${score} (0 best, 10 worst; systemd calls up to 3.9 OK)`);
    t.comment(`systemd-analyze security --offline: exposure ${score}`);
    // The socket loads its service of the same name from the same folder: both are checked together.
    const socket = spawnSync(tool.path, ['verify', SOCKET], { encoding: 'utf8' });
    t.equal(socket.status, 0, `verify the socket: ${socket.stderr}`);
    t.equal(socket.stderr.trim(), '', 'no warnings for the socket either');
  },
);
