// The soak: the built exporter at a 100 ms interval in its own PID namespace with a churn generator (soak/c/churn.c)
// as PID 1, concurrent scrapers checking every exposition, and an exact count of zombies made against zombies seen.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { count, parseSamples, single, sum, type ScrapedSeries } from './exposition.js';
import { judgeRss, type RssPoint, type RssVerdict } from './rss.js';

const REPO = fileURLToPath(new URL(import.meta.url.includes('/dist-soak/') ? '../../' : '../', import.meta.url));
/** The node flags of src/main.ts's shebang, which every shipped launcher passes. */
const shippedNodeFlags = (): string[] => readFileSync(`${REPO}src/main.ts`, 'utf8').split('\n')[0]!.split(' ').slice(3);

export interface SoakOptions {
  seconds: number;
  intervalMs?: number;
  /** Processes that each hold 1-3 zombies at a time. */
  parents?: number;
  /** How long each zombie lives; at least 4 intervals, so every zombie is seen by some sample. */
  holdMinMs?: number;
  holdMaxMs?: number;
  /** Processes forking short-lived children that never become zombies (pid turnover). */
  spawners?: number;
  scrapers?: number;
  /**
   * Event mode: the exporter runs on the host, beside the generator's PID namespace, with --sample.mode=events, so
   * it follows the generator's zombies from the proc connector. Its counts are then the host's: run it on a quiet host, where nothing else makes zombies.
   */
  events?: boolean;
  /** Event mode: --sample.events-buffer-bytes, small to force lost events and the walks that answer them. */
  eventsBufferBytes?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  ok: boolean;
  failures: string[];
  durationSeconds: number;
  /** Samples the exporter published during the churn (zombie_exporter_samples_total). */
  samples: number;
  sampleErrors: number;
  scrapes: number;
  healthChecks: number;
  rss: RssVerdict;
  /**
   * The main isolate's V8 heap in use and its external memory (Buffers), medians of the first and last tenth of the
   * run, in MiB: not judged, but they tell a JavaScript leak (heap climbs) from allocator growth (RSS alone climbs).
   */
  heapUsed: { start: number; end: number };
  external: { start: number; end: number };
  /** Event mode: events lost and the full walks that answered them; null in walk mode. */
  events: { lost: number; overflows: number; resyncWalks: number } | null;
  generated: number;
  reapedByGenerator: number;
  appeared: number;
  reapedCounted: number;
  /** Largest number of zombies one scrape saw. */
  peakZombies: number;
  exporterExit: string;
}

/** Checks that can fail; the first few failures of each kind are kept, not thousands of copies. */
class Failures {
  readonly list: string[] = [];
  private readonly perKind = new Map<string, number>();
  add(kind: string, message: string): void {
    const n = (this.perKind.get(kind) ?? 0) + 1;
    this.perKind.set(kind, n);
    if (n <= 3) this.list.push(`${kind}: ${message}`);
    else if (n === 4) this.list.push(`${kind}: (more of these left out)`);
  }
}

function compileChurn(dir: string): string {
  const bin = join(dir, 'churn');
  execFileSync('cc', ['-O2', '-Wall', '-o', bin, `${REPO}soak/c/churn.c`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 60_000,
  });
  return bin;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one soak; resolves with its report (ok false and failures listed when a check failed). */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const o = {
    intervalMs: 100,
    parents: 8,
    holdMinMs: 400,
    holdMaxMs: 900,
    spawners: 2,
    scrapers: 4,
    log: () => undefined,
    ...options,
  };
  if (process.getuid?.() !== 0)
    throw new Error('the soak needs root: it runs the exporter in its own PID namespace (unshare --pid)');
  const failures = new Failures();
  const dir = mkdtempSync(join(tmpdir(), 'ze-soak-'));
  let child: ChildProcess | undefined;
  const killGroup = () => {
    try {
      if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  // Event mode: the exporter runs on the host, beside the generator's namespace (setns can't go back up to the host's
  // PID namespace from inside it), in a process group of its own; the generator's child is then a sleep.
  let exporter: ChildProcess | undefined;
  const killExporter = () => {
    try {
      if (exporter?.pid) process.kill(-exporter.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  process.once('exit', killGroup);
  process.once('exit', killExporter);
  try {
    const churn = compileChurn(dir);
    const exporterCommand = [
      process.execPath,
      ...shippedNodeFlags(),
      `${REPO}dist/main.js`,
      '--web.listen-address=127.0.0.1:0',
      `--sample.interval=${o.intervalMs}ms`,
      ...(o.events
        ? [
            '--sample.mode=events',
            ...(o.eventsBufferBytes ? [`--sample.events-buffer-bytes=${o.eventsBufferBytes}`] : []),
          ]
        : []),
    ];
    child = spawn(
      'unshare',
      [
        '--pid',
        '--fork',
        '--mount-proc',
        '--kill-child',
        churn,
        String(o.parents),
        String(o.holdMinMs),
        String(o.holdMaxMs),
        String(o.spawners),
        '--',
        ...(o.events ? ['sleep', '86400'] : exporterCommand),
      ],
      { detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit');
    if (o.events)
      exporter = spawn(exporterCommand[0]!, exporterCommand.slice(1), {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    const logging = exporter ?? child;
    const exporterExited = exporter ? once(exporter, 'exit') : undefined;
    let stderr = '';
    logging.stderr!.setEncoding('utf8');
    const address = await new Promise<string>((resolve, reject) => {
      logging.stderr!.on('data', (c: string) => {
        stderr = (stderr + c).slice(-20_000);
        const m = /msg=listening address=(\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      void (exporterExited ?? exited).then(() =>
        reject(new Error(`the exporter exited before it listened: ${stderr}`)),
      );
    });
    const lines = createInterface({ input: child.stdout! });
    const replies: string[] = [];
    let waiting: ((line: string) => void) | undefined;
    lines.on('line', (line) => (waiting ? (waiting(line), (waiting = undefined)) : replies.push(line)));
    const ask = (command: string, want: RegExp) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`churn did not answer ${command}`)), 30_000);
        const take = (line: string) => {
          if (want.test(line)) {
            clearTimeout(timer);
            resolve(line);
          } else waiting = take;
        };
        waiting = take;
        child!.stdin!.write(`${command}\n`);
      });

    const url = `http://${address}`;
    const scrape = async (): Promise<ScrapedSeries[]> => {
      const res = await fetch(`${url}/metrics`);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`status ${res.status}: ${body.slice(0, 200)}`);
      return parseSamples(body);
    };
    // Baseline: the exporter's own start-up children (host facts) have come and gone, no zombie is present.
    const until = Date.now() + 30_000;
    let base: ScrapedSeries[] = [];
    for (;;) {
      try {
        base = await scrape();
        // In event mode the host's zombies are counted too: a quiet host has none, or a few that stay put.
        if (count(base, 'zombie_exporter_host_info') === 1 && (o.events || single(base, 'proctable_zombies') === 0))
          break;
      } catch {
        // no sample yet
      }
      if (Date.now() > until) throw new Error('no quiet baseline within 30 s');
      await sleep(100);
    }
    const zombies0 = single(base, 'proctable_zombies');
    const appeared0 = single(base, 'proctable_zombies_appeared_total');
    const reaped0 = single(base, 'proctable_zombies_reaped_total');
    const samples0 = single(base, 'zombie_exporter_samples_total');
    const started = single(base, 'process_start_time_seconds');

    await ask('go', /^going$/);
    const t0 = Date.now();
    const deadline = t0 + o.seconds * 1000;
    o.log(`soak: exporter at ${url}, churn started, ${o.seconds}s to go`);
    let scrapes = 0;
    let healthChecks = 0;
    let peakZombies = 0;
    // Per scraper: one scraper's requests are sequential, so what it is served may never go back. Across scrapers
    // it may (a response rendered earlier can be parsed after a later one when this process is busy).
    const lastAppeared = new Map<number, number>();
    const rss: RssPoint[] = [];
    const heap: { heapUsed: number; external: number }[] = [];
    let nextRssAt = 0;
    let nextLogAt = t0 + 60_000;

    const check = (s: ScrapedSeries[], scraperId: number) => {
      const zombies = single(s, 'proctable_zombies');
      const byParent = sum(s, 'proctable_zombies_by_parent');
      if (byParent !== zombies) failures.add('sum', `sum(by_parent) ${byParent} != proctable_zombies ${zombies}`);
      const appeared = single(s, 'proctable_zombies_appeared_total');
      const reaped = single(s, 'proctable_zombies_reaped_total');
      if (appeared - appeared0 - (reaped - reaped0) !== zombies - zombies0) {
        failures.add(
          'balance',
          `appeared ${appeared - appeared0} - reaped ${reaped - reaped0} != zombies ${zombies} - ${zombies0} at the start`,
        );
      }
      const last = lastAppeared.get(scraperId) ?? appeared0;
      if (appeared < last)
        failures.add('monotonic', `scraper ${scraperId}: appeared_total went from ${last} to ${appeared}`);
      lastAppeared.set(scraperId, appeared);
      if (single(s, 'process_start_time_seconds') !== started) failures.add('restart', 'the exporter process changed');
      const bound = count(s, 'proctable_zombies_by_parent');
      if (bound > 12) failures.add('cardinality', `${bound} by_parent series with --zombies.top-parents=10`);
      peakZombies = Math.max(peakZombies, zombies);
      const now = Date.now();
      if (now >= nextRssAt) {
        rss.push({ atSeconds: (now - t0) / 1000, bytes: single(s, 'process_resident_memory_bytes') });
        heap.push({
          heapUsed: single(s, 'nodejs_heap_size_used_bytes'),
          external: single(s, 'nodejs_external_memory_bytes'),
        });
        nextRssAt = now + 1000;
      }
    };
    const scraper = async (id: number) => {
      while (Date.now() < deadline) {
        try {
          check(await scrape(), id);
          scrapes++;
        } catch (err) {
          failures.add('scrape', err instanceof Error ? err.message : String(err));
        }
        if (id === 0 && Date.now() >= nextLogAt) {
          nextLogAt += 60_000;
          o.log(
            `soak: ${Math.round((Date.now() - t0) / 1000)}s, ${scrapes} scrapes, RSS ${((rss.at(-1)?.bytes ?? 0) / 1048576).toFixed(1)} MiB, ${failures.list.length} failures`,
          );
        }
        await sleep(Math.floor(Math.random() * 50));
      }
    };
    const health = async () => {
      while (Date.now() < deadline) {
        try {
          const res = await fetch(`${url}/healthz`);
          const body = await res.text();
          if (res.status !== 200) failures.add('health', `${res.status}: ${body}`);
          healthChecks++;
        } catch (err) {
          failures.add('health', String(err));
        }
        await sleep(1000);
      }
    };
    await Promise.all([...Array.from({ length: o.scrapers }, (_, i) => scraper(i)), health()]);
    const durationSeconds = (Date.now() - t0) / 1000;

    // Stop the churn, let the exporter see every zombie reaped, then compare counts.
    const stopped = await ask('stop', /^stopped /);
    const generated = Number(/generated=(\d+)/.exec(stopped)![1]);
    const reapedByGenerator = Number(/reaped=(\d+)/.exec(stopped)![1]);
    const settleUntil = Date.now() + 10_000;
    let end: ScrapedSeries[] = [];
    for (;;) {
      end = await scrape();
      const settled =
        single(end, 'proctable_zombies') === zombies0 &&
        single(end, 'proctable_zombies_reaped_total') - reaped0 >= reapedByGenerator;
      if (settled || Date.now() > settleUntil) break;
      await sleep(o.intervalMs);
    }
    const appeared = single(end, 'proctable_zombies_appeared_total') - appeared0;
    const reapedCounted = single(end, 'proctable_zombies_reaped_total') - reaped0;
    if (generated === 0) failures.add('churn', 'the generator made no zombie');
    if (appeared !== generated)
      failures.add('count', `the exporter saw ${appeared} zombies appear, the generator made ${generated}`);
    if (reapedCounted !== reapedByGenerator)
      failures.add('count', `the exporter counted ${reapedCounted} reaped, the generator reaped ${reapedByGenerator}`);
    const samples = single(end, 'zombie_exporter_samples_total') - samples0;
    const events = o.events
      ? {
          lost: single(end, 'zombie_exporter_proc_events_lost_total'),
          overflows: single(end, 'zombie_exporter_proc_events_overflows_total'),
          resyncWalks:
            end.find((x) => x.name === 'zombie_exporter_full_walks_total' && x.labels.includes('"lost_events"'))
              ?.value ?? 0,
        }
      : null;
    const mode = end.find((x) => x.name === 'zombie_exporter_sample_mode')?.labels ?? '';
    if (o.events && !mode.includes('"events"')) failures.add('mode', `not in event mode (${mode})`);
    if (events && events.lost + events.overflows > 0 && events.resyncWalks === 0)
      failures.add('resync', `${events.lost} events lost and no full walk answered them`);
    const sampleErrors = sum(end, 'zombie_exporter_sample_errors_total');
    if (sampleErrors > 0) failures.add('samples', `${sampleErrors} sample errors`);
    const rssVerdict = judgeRss(rss, durationSeconds);
    if (!rssVerdict.flat)
      failures.add(
        'rss',
        `RSS grew from ${rssVerdict.settledStart.toFixed(1)} to ${rssVerdict.settledEnd.toFixed(1)} MiB (${rssVerdict.rule})`,
      );

    child.stdin!.end('quit\n');
    let exit: string;
    if (exporter && exporterExited) {
      exporter.kill('SIGTERM');
      exit = await Promise.race([
        exporterExited.then(([code, signal]) =>
          signal ? `exporter exited signal ${String(signal)}` : `exporter exited code ${String(code)}`,
        ),
        sleep(15_000).then(() => 'exporter did not exit within 15 s'),
      ]);
    } else {
      exit = await Promise.race([
        new Promise<string>((resolve) => lines.on('line', (l) => l.startsWith('exporter exited') && resolve(l))),
        sleep(15_000).then(() => 'exporter did not exit within 15 s'),
      ]);
    }
    if (exit !== 'exporter exited code 0') failures.add('exit', exit);
    await Promise.race([exited, sleep(15_000)]);
    return {
      ok: failures.list.length === 0,
      failures: failures.list,
      durationSeconds,
      samples,
      sampleErrors,
      scrapes,
      healthChecks,
      rss: rssVerdict,
      events,
      heapUsed: tenths(heap.map((h) => h.heapUsed)),
      external: tenths(heap.map((h) => h.external)),
      generated,
      reapedByGenerator,
      appeared,
      reapedCounted,
      peakZombies,
      exporterExit: exit,
    };
  } finally {
    killGroup();
    killExporter();
    process.removeListener('exit', killGroup);
    process.removeListener('exit', killExporter);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Medians of the first and last tenth of a series, in MiB. */
function tenths(values: number[]): { start: number; end: number } {
  const n = Math.max(1, Math.floor(values.length / 10));
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return (sorted[Math.floor(sorted.length / 2)] ?? 0) / 1048576;
  };
  return { start: median(values.slice(0, n)), end: median(values.slice(-n)) };
}

/** The report as the lines a person reads. */
export function formatReport(r: SoakReport): string {
  const mib = (n: number) => `${n.toFixed(1)} MiB`;
  return [
    `soak: ${r.ok ? 'PASS' : 'FAIL'}`,
    `  duration ${r.durationSeconds.toFixed(1)} s, ${r.samples} samples (${r.sampleErrors} errors), ${r.scrapes} scrapes, ${r.healthChecks} health checks`,
    ...(r.events
      ? [
          `  event mode: ${r.events.lost} events lost, ${r.events.overflows} overflows, ${r.events.resyncWalks} full walks to resynchronise`,
        ]
      : []),
    `  zombies generated ${r.generated}, appeared ${r.appeared}; reaped by the generator ${r.reapedByGenerator}, counted reaped ${r.reapedCounted}; at most ${r.peakZombies} at once`,
    `  RSS start ${mib(r.rss.start)}, end ${mib(r.rss.end)}, min ${mib(r.rss.min)}, max ${mib(r.rss.max)}; second half ${mib(r.rss.settledStart)} -> ${mib(r.rss.settledEnd)}, slope ${r.rss.slopeMiBPerMinute.toFixed(2)} MiB/min (${r.rss.flat ? 'flat' : 'GROWING'}: ${r.rss.rule})`,
    `  main heap used ${mib(r.heapUsed.start)} -> ${mib(r.heapUsed.end)}, external ${mib(r.external.start)} -> ${mib(r.external.end)} (first and last tenth)`,
    `  ${r.exporterExit}`,
    ...r.failures.map((f) => `  failure: ${f}`),
  ].join('\n');
}
