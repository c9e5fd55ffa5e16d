import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import t, { type Test } from 'tap';
import { createLogger } from '../../src/log.js';
import type { WebConfig } from '../../src/web-config/load-web-config.js';
import { readWebConfig, WebConfigWatcher } from '../../src/web-config/web-config-watcher.js';
import { waitFor } from '../helpers/wait.js';

const HASH = bcrypt.hashSync('x', 4);

function setup(t: Test, initialText: string, pollMs = 60_000) {
  const dir = mkdtempSync(join(tmpdir(), 'ze-webcfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'web.yml');
  writeFileSync(path, initialText);
  const logs: string[] = [];
  const applied: WebConfig[] = [];
  let refuseWith: string | undefined;
  const watcher = new WebConfigWatcher({
    path,
    initial: readWebConfig(path),
    logger: createLogger('debug', 'logfmt', (l) => logs.push(l)),
    pollMs,
    apply(config) {
      if (refuseWith) throw new Error(refuseWith);
      applied.push(config);
    },
  });
  t.teardown(() => watcher.close());
  const write = (text: string) => {
    writeFileSync(`${path}.new`, text);
    renameSync(`${path}.new`, path);
  };
  return { dir, path, logs, applied, watcher, write, refuse: (why: string | undefined) => (refuseWith = why) };
}

t.test('a rename over the file is noticed through inotify and applied', async (t) => {
  const s = setup(t, `basic_auth_users:\n  alice: '${HASH}'\n`);
  s.write(`basic_auth_users:\n  bob: '${HASH}'\n`);
  await waitFor('the reload', () => s.applied.length === 1);
  t.same([...s.applied[0]!.users.keys()], ['bob']);
  t.match(s.logs.join(''), /msg="web config reloaded" .* users=1/);
  t.equal(s.watcher.check(), false, 'nothing changed since: nothing applied');
});

t.test('the periodic check finds what inotify did not report', async (t) => {
  const s = setup(t, '', 50);
  s.watcher.close(); // no inotify, no timer: drive the check by hand, as the timer would
  const w = new WebConfigWatcher({
    path: s.path,
    initial: readWebConfig(s.path),
    logger: createLogger('error', 'logfmt', () => undefined),
    pollMs: 20,
    apply: (c) => s.applied.push(c),
  });
  t.teardown(() => w.close());
  writeFileSync(s.path, `basic_auth_users:\n  carol: '${HASH}'\n`);
  await waitFor('the periodic reload', () => s.applied.length === 1);
  t.same([...s.applied[0]!.users.keys()], ['carol']);
});

t.test(
  'an invalid edit is reported on every check and logged once; a fix, or the old file back, applies',
  async (t) => {
    const good = `basic_auth_users:\n  alice: '${HASH}'\n`;
    const s = setup(t, good);
    s.watcher.close();
    const invalid: string[] = [];
    const w = new WebConfigWatcher({
      path: s.path,
      initial: readWebConfig(s.path),
      logger: createLogger('debug', 'logfmt', (l) => s.logs.push(l)),
      pollMs: 60_000,
      apply: (c) => s.applied.push(c),
      invalid: (why) => invalid.push(why),
    });
    t.teardown(() => w.close());
    writeFileSync(s.path, 'basic_auth_users:\n  alice: plaintext\n');
    for (let i = 0; i < 3; i++) t.equal(w.check(), false);
    t.same(invalid, ['basic_auth_users.alice: not a bcrypt hash (make one with htpasswd -nBC 10 "")'], 'reported once');
    const errors = s.logs.filter((l) => l.includes('level=error'));
    t.equal(errors.length, 1, 'one line for one bad edit');
    t.match(errors[0], 'msg="web config invalid; answering 500 to every request until it is fixed"');
    t.match(errors[0], 'err="basic_auth_users.alice: not a bcrypt hash');
    rmSync(s.path);
    t.equal(w.check(), false);
    t.equal(invalid.at(-1), 'cannot read the file: ENOENT');
    t.match(s.logs.at(-1), 'err="cannot read the file: ENOENT"');
    writeFileSync(s.path, good);
    t.equal(w.check(), true, 'the last good file, put back, applies again (and so ends the 500s)');
    t.same([...s.applied.at(-1)!.users.keys()], ['alice']);
    writeFileSync(s.path, 'basic_auth_users:\n  alice: plaintext\n');
    t.equal(w.check(), false);
    writeFileSync(s.path, `basic_auth_users:\n  dave: '${HASH}'\n`);
    t.equal(w.check(), true);
    t.same([...s.applied.at(-1)!.users.keys()], ['dave']);
    t.match(s.logs.at(-1), 'msg="web config reloaded"');
  },
);

t.test('a change the server cannot take is refused with its reason', async (t) => {
  const s = setup(t, '');
  s.watcher.close();
  const invalid: string[] = [];
  const w = new WebConfigWatcher({
    path: s.path,
    initial: readWebConfig(s.path),
    logger: createLogger('debug', 'logfmt', (l) => s.logs.push(l)),
    pollMs: 60_000,
    apply() {
      throw new Error('restart needed');
    },
    invalid: (why) => invalid.push(why),
  });
  t.teardown(() => w.close());
  writeFileSync(s.path, `basic_auth_users:\n  erin: '${HASH}'\n`);
  t.equal(w.check(), false);
  t.match(s.logs.at(-1), 'err="restart needed"');
  t.same(invalid, ['restart needed'], "reported like an invalid file: the users in force are not the file's");
});

t.test('the files the config names are part of what is watched', async (t) => {
  const s = setup(t, '');
  s.watcher.close();
  const w = new WebConfigWatcher({
    path: s.path,
    initial: readWebConfig(s.path),
    logger: createLogger('debug', 'logfmt', (l) => s.logs.push(l)),
    pollMs: 60_000,
    apply: (c) => s.applied.push(c),
  });
  t.teardown(() => w.close());
  writeFileSync(s.path, 'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n');
  t.equal(w.check(), false);
  t.match(
    s.logs.at(-1),
    `err="tls_server_config.cert_file: cannot read \\"${join(s.dir, 'c.pem').replace(/\\/g, '')}\\": ENOENT"`,
  );
  t.equal(w.check(), false);
  t.equal(s.logs.length, 1, 'unchanged files: not judged again');
  // The config file is untouched; only the certificate it names appears. That is a change, judged anew.
  writeFileSync(join(s.dir, 'c.pem'), 'junk');
  writeFileSync(join(s.dir, 'k.pem'), 'junk');
  t.equal(w.check(), false);
  t.equal(s.logs.length, 2);
  t.match(s.logs.at(-1), 'err="tls_server_config: certificate and key:');
});
