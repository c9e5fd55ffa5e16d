// Runs the real promtool over the bundled rule files: `check rules` on both, `test rules` on both unit-test files.

import { spawnSync } from 'node:child_process';
import t from 'tap';
import { promtool } from '../helpers/promtool.js';
import { ALERTS_FILE, RULE_TESTS, RULES_DIR, RULES_FILE } from '../helpers/rules.js';

const tool = promtool();
const skip = 'skip' in tool ? tool.skip : false;

function run(args: string[]) {
  const r = spawnSync((tool as { path: string }).path, args, { cwd: RULES_DIR, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

t.test('promtool check rules', { skip }, async (t) => {
  const r = run(['check', 'rules', RULES_FILE, ALERTS_FILE]);
  t.equal(r.status, 0, r.output);
  t.match(r.output, /SUCCESS: 9 rules found/, 'nine recording rules');
  t.match(r.output, /SUCCESS: 16 rules found/, 'sixteen alerting rules (two alerts have two severities)');
});

for (const file of RULE_TESTS) {
  t.test(`promtool test rules ${file.slice(RULES_DIR.length + 1)}`, { skip }, async (t) => {
    const r = run(['test', 'rules', file]);
    t.equal(r.status, 0, r.output);
    t.match(r.output, /SUCCESS/);
    t.notMatch(r.output, /FAILED/);
  });
}
