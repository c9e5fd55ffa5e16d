#!/usr/bin/env node
// @ts-check
// Renders the bundled rule files for your Prometheus: swaps the job selector and the runbook base URL, the two
// settings that differ between installations, and writes the result to a folder of your choice.
//
// The YAML files beside this script are both the source and the default rendering (job="zombie-exporter"), so what
// promtool tests is exactly what ships. This plays the part of a monitoring mixin's _config without a jsonnet
// toolchain: one place to configure, no hand edits in thirteen expressions. Needs only Node.js (20 or newer).
//
//   node deploy/prometheus/render-rules.mjs --out-dir /etc/prometheus/rules \
//     --selector 'job="zombies", env="prod"' --runbook-url-base https://wiki.example.com/zombie-runbooks.md

import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
export const FILES = ['zombie-exporter-rules.yml', 'zombie-exporter-alerts.yml'];
export const DEFAULT_SELECTOR = 'job="zombie-exporter"';
export const DEFAULT_RUNBOOK_BASE = 'https://github.com/zombie-exporter/zombie-exporter/blob/main/docs/runbooks.md';

// The default selector as a matcher inside braces: after `{` or `,`, before `,` or `}`. Text in comments and
// annotations is left alone.
const SELECTOR_IN_BRACES = /([{,]\s*)job="zombie-exporter"(?=\s*[,}])/g;
// One PromQL label matcher: name, operator, double-quoted value with escapes.
const MATCHER = String.raw`[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=|!=|=~|!~)\s*"(?:[^"\\\n]|\\.)*"`;
const MATCHERS = new RegExp(`^\\s*${MATCHER}(?:\\s*,\\s*${MATCHER})*\\s*$`);

/**
 * Renders one rule file's text.
 * @param {string} text
 * @param {{ selector: string, runbookBase: string }} opts
 * @returns {{ text: string, selectors: number, runbooks: number }}
 */
export function render(text, { selector, runbookBase }) {
  let selectors = 0;
  let out = text.replace(SELECTOR_IN_BRACES, (_, before) => {
    selectors += 1;
    return `${before}${selector.trim()}`;
  });
  const runbooks = out.split(`${DEFAULT_RUNBOOK_BASE}#`).length - 1;
  out = out.replaceAll(`${DEFAULT_RUNBOOK_BASE}#`, () => `${runbookBase.replace(/#.*$/, '')}#`);
  return { text: out, selectors, runbooks };
}

function fail(message) {
  process.stderr.write(`render-rules: error: ${message}\n`);
  process.exit(2);
}

function main() {
  /** @type {{ values: { 'out-dir'?: string, selector?: string, 'runbook-url-base'?: string, help?: boolean } }} */
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        'out-dir': { type: 'string' },
        selector: { type: 'string', default: DEFAULT_SELECTOR },
        'runbook-url-base': { type: 'string', default: DEFAULT_RUNBOOK_BASE },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(
      'usage: render-rules.mjs --out-dir DIR [--selector \'job="zombie-exporter"\'] [--runbook-url-base URL]\n' +
        '  --selector          PromQL label matchers that select the exporter\'s targets (default job="zombie-exporter")\n' +
        '  --runbook-url-base  URL of docs/runbooks.md as your team reads it; each alert appends #alertname\n',
    );
    return;
  }
  const outDir = values['out-dir'];
  const selector = values.selector ?? DEFAULT_SELECTOR;
  const runbookBase = values['runbook-url-base'] ?? DEFAULT_RUNBOOK_BASE;
  if (!outDir) return fail('--out-dir is required (the files beside this script are the defaults; keep them)');
  if (!MATCHERS.test(selector)) {
    return fail(`--selector must be PromQL label matchers such as job="zombies", env=~"prod|staging": got ${selector}`);
  }
  if (!/^https?:\/\/\S+$/.test(runbookBase))
    return fail(`--runbook-url-base must be an http(s) URL: got ${runbookBase}`);
  mkdirSync(outDir, { recursive: true });
  if (realpathSync(outDir) === realpathSync(HERE)) return fail('--out-dir must not be the folder of the source files');

  for (const name of FILES) {
    const { text, selectors, runbooks } = render(readFileSync(join(HERE, name), 'utf8'), { selector, runbookBase });
    if (selectors === 0) return fail(`${name} has no ${DEFAULT_SELECTOR} selector left to replace: was it edited?`);
    // Say where the file came from, so nobody edits the rendering instead of re-running this.
    const header = `# Rendered by deploy/prometheus/render-rules.mjs with --selector '${selector.trim()}' --runbook-url-base ${runbookBase}\n`;
    writeFileSync(join(outDir, name), header + text);
    process.stdout.write(`${resolve(outDir, name)}: ${selectors} selectors, ${runbooks} runbook links\n`);
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
