// Runs deploy/prometheus/render-rules.mjs as a user would: a new job selector and runbook base reach every rule,
// nothing else changes, the output passes promtool, and bad input is refused with one line and exit status 2.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { promtool } from '../helpers/promtool.js';
import { ALERTS_FILE, DEFAULT_SELECTOR, readRules, RULES_DIR, RULES_FILE } from '../helpers/rules.js';

const SCRIPT = `${RULES_DIR}/render-rules.mjs`;
const SELECTOR = 'job="zombies", env=~"prod|staging"';
const BASE = 'https://wiki.example.com/ops/zombie-runbooks.md';

function render(args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'ze-rules-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a new selector and runbook base reach every rule and nothing else changes', async (t) => {
  const dir = tempDir(t);
  const r = render(['--out-dir', dir, '--selector', SELECTOR, '--runbook-url-base', BASE]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /zombie-exporter-rules\.yml: 15 selectors, 0 runbook links/);
  t.match(r.stdout, /zombie-exporter-alerts\.yml: 34 selectors, 16 runbook links/);

  for (const src of [RULES_FILE, ALERTS_FILE]) {
    const name = src.slice(RULES_DIR.length + 1);
    const before = readRules(src);
    const after = readRules(join(dir, name));
    t.equal(after.length, before.length, `${name}: same rules`);
    before.forEach((b, i) => {
      const a = after[i]!;
      const what = `${name}: ${b.record ?? b.alert}`;
      t.notMatch(a.expr, /job="zombie-exporter"/, `${what}: no default selector left`);
      t.equal(a.expr, b.expr.split(DEFAULT_SELECTOR).join(SELECTOR), `${what}: only the selector changed`);
      t.same(a.labels, b.labels, `${what}: labels unchanged`);
      if (b.annotations) {
        t.equal(a.annotations!.runbook_url, `${BASE}#${b.alert!.toLowerCase()}`, `${what}: runbook_url`);
        t.equal(a.annotations!.description, b.annotations.description, `${what}: description unchanged`);
      }
    });
    t.match(
      readFileSync(join(dir, name), 'utf8'),
      /^# Rendered by deploy\/prometheus\/render-rules\.mjs with --selector/,
      `${name}: says it is a rendering`,
    );
  }

  const tool = promtool();
  if ('path' in tool) {
    const check = spawnSync(
      tool.path,
      ['check', 'rules', join(dir, 'zombie-exporter-rules.yml'), join(dir, 'zombie-exporter-alerts.yml')],
      {
        encoding: 'utf8',
      },
    );
    t.equal(check.status, 0, `promtool check rules on the rendering: ${check.stdout}${check.stderr}`);
  }
});

t.test('the defaults reproduce the bundled files', async (t) => {
  const dir = tempDir(t);
  t.equal(render(['--out-dir', dir]).status, 0);
  for (const src of [RULES_FILE, ALERTS_FILE]) {
    const out = readFileSync(join(dir, src.slice(RULES_DIR.length + 1)), 'utf8');
    t.equal(out.slice(out.indexOf('\n') + 1), readFileSync(src, 'utf8'), `${src}: identical below the header`);
  }
});

t.test('bad input is refused with one line and status 2', async (t) => {
  const dir = tempDir(t);
  const cases: [string[], RegExp][] = [
    [[], /--out-dir is required/],
    [['--out-dir', dir, '--selector', 'job=zombies'], /--selector must be PromQL label matchers/],
    [['--out-dir', dir, '--selector', 'job="a"} or vector(1) {x="'], /--selector must be PromQL label matchers/],
    [['--out-dir', dir, '--runbook-url-base', 'wiki/runbooks.md'], /--runbook-url-base must be an http\(s\) URL/],
    [['--out-dir', RULES_DIR], /must not be the folder of the source files/],
    [['--out-dir', dir, '--no-such-flag'], /Unknown option/],
  ];
  for (const [args, message] of cases) {
    const r = render(args);
    t.equal(r.status, 2, args.join(' '));
    t.match(r.stderr, message, args.join(' '));
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});
