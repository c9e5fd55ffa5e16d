// The live page in a real headless browser (Debian's chromium driven by playwright-core) against the built
// exporter on the real /proc, with a real zombie-leaking parent: no console errors, the parent's row, the chart,
// the page refreshing itself, and a screenshot for review under test/output/.

import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import t from 'tap';
import type { Snapshot } from '../../src/snapshot/snapshot.js';
import { REPO, startExporter, startLeak } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = `${REPO}test/output`;
// Headless, as root without a sandbox, and with every background connection off: this network is closed, and a
// browser that phones home fills the console with refused connections.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumMissing(): string | false {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return false;
  } catch {
    if (process.env.CI)
      throw new Error(`${CHROMIUM} is required under CI (Debian package chromium); .ci/run installs it`);
    return `${CHROMIUM} not found: apt-get install chromium to run the browser test`;
  }
}

/** Pids whose command line holds `marker` (our fresh profile dir): how we know the browser is really gone. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

t.test(
  'the live page shows a real leaking parent, draws the chart, refreshes itself',
  { skip: chromiumMissing() },
  async (t) => {
    const ex = await startExporter(['--sample.interval=250ms', '--zombies.top-parents=1000']);
    t.teardown(() => ex.stop());
    // More zombies than other work on this machine tends to leak per parent, so this parent ranks among the listed.
    const leaked = 25;
    const leak = await startLeak('zombies', leaked);
    t.teardown(() => leak.stop());
    const pid = leak.parentPid;

    // The exporter must have seen the leak, and kept a few points of history for the chart (one a second).
    await waitFor('the snapshot to list the leaking parent', async () => {
      // Partial: before the first sample the body is { error } instead.
      const s = (await (await fetch(`${ex.url}/api/v1/snapshot`)).json()) as Partial<Snapshot>;
      return s.parents?.some((p) => p.pid === pid && p.zombies === leaked);
    });
    await waitFor(
      'three points of history',
      async () => ((await (await fetch(`${ex.url}/api/v1/history`)).json()) as { t: number[] }).t.length >= 3,
    );

    const profile = mkdtempSync(join(tmpdir(), 'ze-chromium-'));
    let context: BrowserContext | undefined;
    t.teardown(async () => {
      await context?.close().catch(() => undefined);
      // Playwright kills the browser's process group on close; if anything survived, end it by pid.
      for (const p of processesWith(profile)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(profile, { recursive: true, force: true });
    });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1200, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));

    const response = await page.goto(`${ex.url}/`);
    t.equal(response?.status(), 200);

    const row = page.locator(`tr.parent[data-pid="${pid}"]`);
    await row.waitFor();
    t.equal(await row.locator('td.comm').textContent(), 'sleep');
    t.equal(await row.locator('td.zombies').textContent(), String(leaked));
    const cell = /^([\d ]+) … \((\d+) more\)$/.exec((await row.locator('td.pids').textContent())!)!;
    const shown = cell[1]!.split(' ').map(Number);
    t.same(
      [shown.length, shown.every((z) => leak.childPids.includes(z)), Number(cell[2])],
      [20, true, leaked - 20],
      '20 of the zombie pids leak.py forked, and how many more',
    );
    t.equal(await row.locator('td.step').textContent(), `kill -TERM ${pid}`);
    t.match(
      await page.locator('#commands').textContent(),
      new RegExp(`^kill -TERM ${pid} +# sleep: ${leaked} zombies$`, 'm'),
    );

    for (const id of ['chart-zombies', 'chart-pids']) {
      const d = await page.locator(`#${id} path.line`).getAttribute('d');
      const points = (d ?? '').match(/[ML][\d.]+,[\d.]+/g) ?? [];
      t.ok(points.length >= 3, `${id}: ${points.length} points plotted`);
      const box = await page.locator(`#${id} path.line`).boundingBox();
      t.ok(box !== null && box.width > 0, `${id}: the line has a width on screen`);
      t.equal(await page.locator(`#${id} circle.dot`).count(), 1, `${id}: the latest point is marked`);
    }
    const zombieCount = Number(await page.locator('#zombies').textContent());
    t.ok(zombieCount >= leaked, `the summary counts at least our ${leaked} zombies (${zombieCount})`);

    // The page refreshes in place: the script reports it, and a later frame shows the parent's oldest age growing.
    await page.locator('#status', { hasText: /^Updated / }).waitFor();

    mkdirSync(OUTPUT, { recursive: true });
    const screenshot = `${OUTPUT}/page-browser.png`;
    await page.screenshot({ path: screenshot, fullPage: true });
    t.comment(`screenshot: ${screenshot}`);

    // Reaped while the page is open: the row goes away without a reload.
    await leak.killParent();
    await row.waitFor({ state: 'detached' });
    t.pass('the row disappeared after the parent died and its zombies were reaped');

    t.same(problems, [], 'no console errors or warnings, page errors or failed requests');
    await context.close();
    context = undefined;
    t.same(processesWith(profile), [], 'no browser process left behind');
  },
);
