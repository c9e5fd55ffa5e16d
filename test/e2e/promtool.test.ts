// promtool check metrics on the exporter's real output, with real zombies and a hostile comm present.

import { spawnSync } from 'node:child_process';
import t, { type Test } from 'tap';
import { copyTree, ZOMBIE_TREE } from '../helpers/fixtures.js';
import { startExporter, startLeak } from '../helpers/processes.js';
import { promtool } from '../helpers/promtool.js';
import { waitFor } from '../helpers/wait.js';
import { readFileSync, writeFileSync } from 'node:fs';

const tool = promtool();

async function check(t: Test, args: string[], ready: (text: string) => boolean) {
  const ex = await startExporter(args);
  t.teardown(() => ex.stop());
  const text = await waitFor('a ready exposition', async () => {
    const res = await fetch(`${ex.url}/metrics`);
    const body = await res.text();
    return res.status === 200 && ready(body) && body;
  });
  const r = spawnSync((tool as { path: string }).path, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}`);
  t.equal(`${r.stdout}${r.stderr}`, '', 'no lint warnings');
}

t.test('real /proc with real zombies', { skip: 'skip' in tool ? tool.skip : false }, async (t) => {
  const leak = await startLeak('zombies', 2);
  t.teardown(() => leak.stop());
  await check(t, ['--sample.interval=100ms', '--zombies.top-parents=1000'], (text) =>
    text.includes(`parent_pid="${leak.parentPid}"`),
  );
});

t.test('a comm built to break the exposition', { skip: 'skip' in tool ? tool.skip : false }, async (t) => {
  const tree = copyTree(ZOMBIE_TREE);
  t.teardown(tree.remove);
  const stat = `100 ("\n{}\\ \x1b[31m) S 1 100 100 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 500 1 1 1${' 0'.repeat(27)}\n`;
  writeFileSync(`${tree.dir}/100/stat`, stat);
  await check(t, [`--path.procfs=${tree.dir}`, '--sample.interval=1h'], (text) => text.includes('parent_pid="100"'));
});

t.test('a real process named with hostile bytes', { skip: 'skip' in tool ? tool.skip : false }, async (t) => {
  // 15 bytes, the kernel's limit: a quote, a newline, braces, a backslash, an escape, invalid UTF-8.
  const name = Buffer.from([0x22, 0x0a, 0x7b, 0x7d, 0x5c, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0xfe, 0x29, 0x20, 0x5a]);
  const leak = await startLeak('named-zombies', 2, [], name);
  t.teardown(() => leak.stop());
  t.same(readFileSync(`/proc/${leak.parentPid}/comm`).subarray(0, -1), name, 'the kernel kept every byte');
  await check(t, ['--sample.interval=100ms', '--zombies.top-parents=1000'], (text) =>
    text.includes(`parent_pid="${leak.parentPid}"`),
  );
});
