// A second exporter on a port the first one holds says exactly one line, its error, whatever the flags: what it logs
// before the port is bound (the web config it loaded, the proc root's view, debug lines) is held and, on a start that
// fails, dropped. A start that succeeds prints those lines before "listening".

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { runCli, startExporter } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'ze-port-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const webConfig = join(dir, 'web.yml');
// exporter-toolkit's decoy hash: any valid bcrypt hash will do, nobody logs in here.
writeFileSync(
  webConfig,
  "basic_auth_users:\n  alice: '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi'\n",
);

t.test('a taken port: one line, whatever the flags', async (t) => {
  const first = await startExporter([`--path.procfs=${ZOMBIE_TREE}`, '--sample.interval=1h']);
  t.teardown(() => first.stop());
  const flagSets = [
    [`--web.config.file=${webConfig}`],
    [`--web.config.file=${webConfig}`, '--log.level=debug'],
    [`--web.config.file=${webConfig}`, '--log.level=debug', '--log.format=json', `--path.procfs=${ZOMBIE_TREE}`],
    // A fixture tree draws a warning about its PID namespace before the server starts.
    [`--path.procfs=${ZOMBIE_TREE}`, '--log.level=debug'],
    [],
  ];
  for (const flags of flagSets) {
    const r = await runCli([`--web.listen-address=${first.address}`, ...flags]);
    t.same(
      [r.code, r.stderr],
      [1, `zombie-exporter: error: listen tcp ${first.address}: address already in use\n`],
      flags.join(' ') || '(no flags)',
    );
  }
});

t.test('a start that succeeds prints what it held, in order, before "listening"', async (t) => {
  const ex = await startExporter([
    `--web.config.file=${webConfig}`,
    `--path.procfs=${ZOMBIE_TREE}`,
    '--log.level=debug',
  ]);
  t.teardown(() => ex.stop());
  const msgs = ex
    .stderr()
    .split('\n')
    .map((l) => /msg=("[^"]*"|\S+)/.exec(l)?.[1]?.replace(/"/g, ''));
  const loaded = msgs.indexOf('web config loaded');
  const listening = msgs.indexOf('listening');
  t.ok(
    loaded >= 0 && listening > loaded,
    `"web config loaded" (line ${loaded}) before "listening" (line ${listening})`,
  );
});
