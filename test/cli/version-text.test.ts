import t from 'tap';
import { versionText } from '../../src/cli/version-text.js';

t.test("--version: prometheus/common's first line, then the runtime", async (t) => {
  const text = versionText(
    'zombie-exporter',
    { version: '0.1.0', revision: '6b4f546513b14b11bfb7eb15fe5875125faf7604', branch: 'main' },
    { nodeVersion: 'v20.19.0', platform: 'linux', arch: 'x64' },
  );
  t.equal(
    text,
    [
      'zombie-exporter, version 0.1.0 (branch: main, revision: 6b4f546513b14b11bfb7eb15fe5875125faf7604)',
      '  node version:     v20.19.0',
      '  platform:         linux/x64',
      '',
    ].join('\n'),
  );
  // What tools that read a Go exporter's --version match on (e.g. Ansible roles: `version (\S+)`).
  t.match(text, /^zombie-exporter, version (\S+) \(branch: (\S+), revision: (\S+)\)$/m);
});
