// --sample.mode on the built binary: events by default on this host (its kernel lets any user listen), saying so in
// its start-up line and zombie_exporter_sample_mode, and counting a real leak dated by its exit events; the walk when
// asked, or when the proc root shows a PID namespace (where --sample.mode=events refuses to start, in one line).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { loadNativeStatBatch } from '../../src/procfs/native-stat-batch.js';
import { find, parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { MAIN, runCli, SHIPPED_NODE_FLAGS, startExporter, startLeak } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const nativeBuilt = loadNativeStatBatch() !== undefined;
const skipEvents = !nativeBuilt && !process.env.CI ? 'addon not built' : false;
const skipNs = process.getuid?.() !== 0 && !process.env.CI ? 'needs root for unshare --pid' : false;

async function scrape(url: string): Promise<Series[]> {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

t.test(
  'auto on this host: event mode, said at start-up, a leak dated by its exits',
  { skip: skipEvents },
  async (t) => {
    const ex = await startExporter(['--sample.interval=200ms', '--zombies.top-parents=1000']);
    t.teardown(() => ex.stop());
    t.match(ex.stderr(), /msg=listening .*sample_mode=events/, 'the start-up line says event mode');
    t.notMatch(ex.stderr(), /no proc connector events/);
    // After the first sample (a full walk, before any event): the leak must be found from its exits.
    await waitFor(
      'the first sample',
      async () => valueOf(await scrape(ex.url), 'zombie_exporter_samples_total', {})! >= 1,
    );
    const leak = await startLeak('zombies', 4);
    t.teardown(() => leak.stop());
    const s = await waitFor('the leak', async () => {
      const series = await scrape(ex.url);
      return valueOf(series, 'proctable_zombies_by_parent', { parent_pid: String(leak.parentPid) }) === 4 && series;
    });
    t.equal(valueOf(s, 'zombie_exporter_sample_mode', { mode: 'events' }), 1);
    t.equal(valueOf(s, 'zombie_exporter_full_walks_total', { reason: 'start' }), 1, 'one full walk, at start');
    t.ok(valueOf(s, 'zombie_exporter_proc_events_total', { type: 'exit' })! > 0, 'exit events counted');
    // Other tests on this machine fork storms of their own: if this exporter lost events meanwhile, its next sample
    // walked everything and dated the leak from the scheduler's record instead, and read every stat file.
    const lost =
      valueOf(s, 'zombie_exporter_proc_events_lost_total', {})! +
      valueOf(s, 'zombie_exporter_proc_events_overflows_total', {})!;
    if (lost === 0) {
      const dated = find(s, 'zombie_exporter_zombie_exit_times_total').map((x) => `${x.labels.source}=${x.value}`);
      t.ok(
        valueOf(s, 'zombie_exporter_zombie_exit_times_total', { source: 'event' })! >= 4,
        `dated by exit events (${dated.join(', ')})`,
      );
      t.equal(valueOf(s, 'zombie_exporter_full_walks_total', { reason: 'lost_events' }), 0, 'no walk to resynchronise');
      // How many stat files a sample reads follows the host's churn (other tests fork too): one that read fewer
      // than a walk would is what shows it read no more than the exits and the zombies known.
      const [files, processes] = await waitFor('an event sample that read less than a walk', async () => {
        const series = await scrape(ex.url);
        const f = valueOf(series, 'zombie_exporter_sample_stat_files', {})!;
        const p = find(series, 'proctable_processes').reduce((n, x) => n + x.value, 0);
        return f < p && [f, p];
      });
      t.pass(`a sample read ${files} stat files, a walk ${processes}`);
    } else {
      t.ok(
        valueOf(s, 'zombie_exporter_full_walks_total', { reason: 'lost_events' })! >= 1,
        'events lost: walked again',
      );
    }
    t.equal((await ex.stop()).code, 0, 'and stops cleanly');
  },
);

t.test('--sample.mode=walk: the walk, and no event families', async (t) => {
  const ex = await startExporter(['--sample.interval=200ms', '--sample.mode=walk']);
  t.teardown(() => ex.stop());
  const s = await waitFor('a sample', async () => {
    const series = await scrape(ex.url);
    return find(series, 'proctable_zombies').length > 0 && series;
  });
  t.match(ex.stderr(), /sample_mode=walk/);
  t.equal(valueOf(s, 'zombie_exporter_sample_mode', { mode: 'walk' }), 1);
  t.same(find(s, 'zombie_exporter_proc_events_total'), [], 'no events families in walk mode');
  t.same(find(s, 'zombie_exporter_full_walks_total'), []);
  const processes = find(s, 'proctable_processes').reduce((n, x) => n + x.value, 0);
  const skipped = find(s, 'zombie_exporter_skipped_pids_total')
    .filter((x) => x.labels.reason !== 'not_a_pid')
    .reduce((n, x) => n + x.value, 0);
  const files = valueOf(s, 'zombie_exporter_sample_stat_files', {})!;
  t.ok(
    files >= processes && files <= processes + skipped,
    `every process read (${files} files, ${processes} processes)`,
  );
});

/** The exporter as PID 1's child in a new PID namespace with its own /proc: events can't match what it shows. */
const inNamespace = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

t.test('in a PID namespace: auto walks and says why; events refuses to start', { skip: skipNs }, async (t) => {
  const ex = await startExporter(['--sample.interval=200ms'], { wrapper: inNamespace });
  t.teardown(() => ex.stop());
  t.match(
    ex.stderr(),
    /msg="sampling by walking every process: no proc connector events" reason="the proc root shows a container's PID namespace/,
  );
  t.match(ex.stderr(), /sample_mode=walk/);

  const child = spawn(
    inNamespace[0]!,
    [
      ...inNamespace.slice(1),
      process.execPath,
      ...SHIPPED_NODE_FLAGS,
      MAIN,
      '--sample.mode=events',
      '--web.listen-address=127.0.0.1:0',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  t.equal(code, 1, 'exit 1');
  t.match(
    err,
    /^zombie-exporter: error: --sample\.mode=events: not possible here: the proc root shows a container's PID namespace/,
  );
  t.equal(err.trim().split('\n').length, 1, 'one line');
});

t.test('a bad --sample.mode or --sample.full-walk-interval: one line, exit 2', async (t) => {
  const bad = await runCli(['--sample.mode=inotify']);
  t.equal(bad.code, 2);
  t.equal(bad.stderr, 'zombie-exporter: error: --sample.mode: invalid value "inotify" (one of auto, walk, events)\n');
  const short = await runCli(['--sample.full-walk-interval=1ms']);
  t.equal(short.code, 2);
  t.match(short.stderr, /^zombie-exporter: error: --sample\.full-walk-interval: invalid duration "1ms"/);
});
