import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import t from 'tap';
import { ExporterMetrics, RUNTIME_TTL_MS, type BuildInfo } from '../../src/metrics/exporter-metrics.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import { find, parseExposition, valueOf } from '../helpers/exposition.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { promtool } from '../helpers/promtool.js';

const BUILD: BuildInfo = {
  version: '1.2.3',
  revision: '0123abc',
  branch: 'main',
  nodejsVersion: 'v20.0.0',
  os: 'linux',
  arch: 'x64',
  walker: 'native',
};

const fixtureSample = (topParents = 10): Sample =>
  createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents }).take();

async function render(samples: Sample[]) {
  const registry = new Registry();
  const m = new ExporterMetrics(registry, BUILD, 5);
  for (const s of samples) m.recordSample(s);
  return { text: await registry.metrics(), registry, m };
}

t.test('the fixture sample as series', async (t) => {
  const { text } = await render([fixtureSample()]);
  const s = parseExposition(text);
  t.equal(valueOf(s, 'proctable_zombies'), 9);
  t.equal(valueOf(s, 'proctable_zombie_leaders_with_threads'), 1);
  t.equal(valueOf(s, 'proctable_zombies_by_parent', { parent_pid: '100', parent_comm: 'bash' }), 4);
  t.equal(valueOf(s, 'proctable_zombies_by_parent', { parent_pid: '200', parent_comm: 'my app (v2)' }), 2);
  t.equal(valueOf(s, 'proctable_zombies_by_parent', { parent_pid: '1', parent_comm: 'systemd' }), 2);
  t.equal(valueOf(s, 'proctable_zombies_by_parent', { parent_pid: 'other', parent_comm: '' }), 0);
  t.equal(
    find(s, 'proctable_zombies_by_parent').reduce((n, x) => n + x.value, 0),
    9,
    'sum(by_parent) == zombies',
  );
  t.equal(find(s, 'proctable_zombie_parent_oldest_age_seconds').length, find(s, 'proctable_zombies_by_parent').length);
  t.equal(valueOf(s, 'proctable_zombie_parents'), 4);
  for (const [state, n] of Object.entries({ R: 1, S: 5, D: 1, Z: 10, T: 1, t: 0, X: 0, I: 2 })) {
    t.equal(valueOf(s, 'proctable_processes', { state }), n, `state ${state}`);
  }
  t.equal(valueOf(s, 'proctable_pids_in_use'), 412);
  t.equal(valueOf(s, 'proctable_visible_tasks'), 25);
  t.equal(valueOf(s, 'proctable_pid_max'), 32768);
  t.equal(valueOf(s, 'proctable_threads_max'), 30000);
  t.equal(valueOf(s, 'proctable_forks_total'), 123456);
  t.equal(valueOf(s, 'proctable_init_cpu_seconds_total', { mode: 'user' }), 123.45);
  t.equal(valueOf(s, 'proctable_init_cpu_seconds_total', { mode: 'system' }), 67.89);
  t.equal(valueOf(s, 'proctable_init_info', { comm: 'systemd' }), 1);
  t.same(
    find(s, 'proctable_init_sigchld').map((x) => [x.labels.disposition, x.value]),
    [['caught', 1]],
    "the fixture's PID 1 catches SIGCHLD",
  );
  t.equal(valueOf(s, 'proctable_zombies_appeared_total'), 9);
  t.equal(valueOf(s, 'proctable_zombies_reaped_total'), 0);
  t.equal(valueOf(s, 'zombie_exporter_skipped_pids_total', { reason: 'malformed' }), 3);
  t.equal(valueOf(s, 'zombie_exporter_skipped_pids_total', { reason: 'permission' }), 0, 'present at 0');
  t.equal(valueOf(s, 'zombie_exporter_sample_errors_total', { source: 'loadavg' }), 0, 'present at 0');
  t.equal(valueOf(s, 'zombie_exporter_samples_total'), 1);
  t.equal(
    valueOf(s, 'zombie_exporter_build_info', {
      version: '1.2.3',
      revision: '0123abc',
      branch: 'main',
      nodejs_version: 'v20.0.0',
      os: 'linux',
      arch: 'x64',
      walker: 'native',
    }),
    1,
  );
  t.equal(valueOf(s, 'zombie_exporter_sample_interval_seconds'), 5);
  t.ok(valueOf(s, 'process_resident_memory_bytes')! > 0, "prom-client's process metrics are there");
  t.match(text, /# HELP proctable_zombies .*As of the last sample\./, 'HELP says the value is from the last sample');
  for (const bad of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    t.notMatch(text, bad, `${bad} removed`);
  }
  t.notMatch(text, /cmdline/, 'no command lines anywhere');
});

t.test('counters mirror totals and by_parent series come and go with the sample', async (t) => {
  const a = fixtureSample();
  const b: Sample = {
    ...a,
    topParents: [
      { pid: 1, comm: 'systemd', zombies: 0, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0, zombiePids: [] },
    ],
    other: { parents: 0, zombies: 0, oldestAgeSeconds: 0, heldSeconds: 0, newestAgeSeconds: 0 },
    zombies: 0,
    zombiesAppearedTotal: 9,
    zombiesReapedTotal: 9,
    forksTotal: 123999,
  };
  const { text } = await render([a, b]);
  const s = parseExposition(text);
  t.equal(
    valueOf(s, 'proctable_zombies_by_parent', { parent_pid: '100' }),
    undefined,
    'a parent that is gone has no series',
  );
  t.equal(find(s, 'proctable_zombies_by_parent').length, 2, 'PID 1 and other remain');
  t.equal(valueOf(s, 'proctable_zombies_reaped_total'), 9);
  t.equal(valueOf(s, 'proctable_forks_total'), 123999);
  t.equal(valueOf(s, 'zombie_exporter_samples_total'), 2);
  t.equal(valueOf(s, 'zombie_exporter_skipped_pids_total', { reason: 'malformed' }), 6, 'skips add up per sample');
});

t.test('unknown facts are absent, not zero', async (t) => {
  const s0 = fixtureSample();
  const { text } = await render([{ ...s0, threadsMax: null, forksTotal: null, init: null }]);
  const s = parseExposition(text);
  for (const name of [
    'proctable_threads_max',
    'proctable_forks_total',
    'proctable_init_sigchld',
    'proctable_init_info',
    'proctable_init_cpu_seconds_total',
  ]) {
    t.same(find(s, name), [], `${name} absent`);
  }
  const { text: t2 } = await render([{ ...s0, init: { comm: 'sh', userSeconds: 1, systemSeconds: 2, sigchld: null } }]);
  t.same(find(parseExposition(t2), 'proctable_init_sigchld'), []);
  t.equal(valueOf(parseExposition(t2), 'proctable_init_info', { comm: 'sh' }), 1);
});

t.test('PID usage unknown: its families absent (HELP and TYPE only), the zombie families as ever', async (t) => {
  const s0 = fixtureSample();
  const noPidMax: Sample = {
    ...s0,
    pidMax: null,
    pidLimit: null,
    pidLimitedBy: null,
    pidUsageUnknown: ['pid_max'],
    sourceErrors: [{ source: 'pid_max', message: 'read sys/kernel/pid_max: ENOENT' }],
  };
  const noLoadavg: Sample = {
    ...s0,
    pidsInUse: null,
    kernelTasks: null,
    pidUsageUnknown: ['loadavg'],
    sourceErrors: [{ source: 'loadavg', message: 'read loadavg: ENOENT' }],
  };
  const { text } = await render([noPidMax, noLoadavg, noPidMax]);
  const s = parseExposition(text);
  for (const name of ['proctable_pid_max', 'proctable_pid_limit']) {
    t.same(find(s, name), [], `${name} absent`);
    t.match(text, `# TYPE ${name} gauge`, `${name} still declared`);
  }
  t.equal(valueOf(s, 'proctable_pids_in_use'), 412, 'what needs no pid_max stays');
  t.equal(valueOf(s, 'proctable_kernel_tasks'), 412);
  t.equal(valueOf(s, 'proctable_threads_max'), 30000);
  t.equal(valueOf(s, 'proctable_zombies'), 9);
  t.equal(valueOf(s, 'proctable_processes', { state: 'Z' }), 10);
  t.equal(valueOf(s, 'zombie_exporter_sample_errors_total', { source: 'pid_max' }), 2, 'counted per sample');
  t.equal(valueOf(s, 'zombie_exporter_sample_errors_total', { source: 'loadavg' }), 1);

  const l = parseExposition((await render([noLoadavg])).text);
  t.same([find(l, 'proctable_pids_in_use'), find(l, 'proctable_kernel_tasks')], [[], []], 'no loadavg: both absent');
  t.equal(valueOf(l, 'proctable_pid_limit', { limited_by: 'threads_max' }), 30000, "the host's limit needs no loadavg");
});

t.test('failures count by source; source errors in a published sample count too', async (t) => {
  const registry = new Registry();
  const m = new ExporterMetrics(registry, { ...BUILD, walker: 'node' }, 1);
  m.recordFailure('loadavg');
  m.recordFailure('loadavg');
  m.recordSample({ ...fixtureSample(), sourceErrors: [{ source: 'stat', message: 'read stat: EIO' }] });
  const s = parseExposition(await registry.metrics());
  t.equal(valueOf(s, 'zombie_exporter_sample_errors_total', { source: 'loadavg' }), 2);
  t.equal(valueOf(s, 'zombie_exporter_sample_errors_total', { source: 'stat' }), 1);
  t.equal(valueOf(s, 'zombie_exporter_samples_total'), 3);
});

t.test('host info labels', async (t) => {
  const { registry, m } = await render([]);
  m.setHostInfo({ os: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64', nodename: 'h' });
  m.setHostInfo({ os: 'linux', distro: 'Debian', release: '12', kernel: '6.2', arch: 'x64', nodename: 'h' });
  const s = find(parseExposition(await registry.metrics()), 'zombie_exporter_host_info');
  t.same(
    s.map((x) => x.labels.kernel),
    ['6.2'],
    'replaced, not added',
  );
});

t.test('comm is escaped in the exposition whatever it holds', async (t) => {
  const s0 = fixtureSample();
  const comm = '"\n{}\\ x';
  const { text } = await render([
    {
      ...s0,
      topParents: [
        { pid: 7, comm, zombies: 9, oldestAgeSeconds: 1, heldSeconds: 1, newestAgeSeconds: 1, zombiePids: [] },
      ],
    },
  ]);
  t.equal(valueOf(parseExposition(text), 'proctable_zombies_by_parent', { parent_pid: '7' }), 9);
  t.equal(find(parseExposition(text), 'proctable_zombies_by_parent', { parent_pid: '7' })[0]!.labels.parent_comm, comm);
  t.notOk(
    text.split('\n').some((l) => l.startsWith('{')),
    'no line broken by the newline',
  );
});

t.test('render() matches registry.metrics() and reuses the sampled text until the next change', async (t) => {
  const registry = new Registry();
  const m = new ExporterMetrics(registry, BUILD, 5);
  m.recordSample(fixtureSample());
  const names = (text: string) =>
    parseExposition(text)
      .map((x) => x.name)
      .sort();
  const sampledOnly = (text: string) =>
    text
      .split('\n')
      .filter((l) => /^(# (HELP|TYPE) )?(proctable_|zombie_exporter_)/.test(l))
      .join('\n');
  const direct = await registry.metrics();
  const rendered = await m.render();
  t.same(names(rendered), names(direct), 'the same series');
  t.equal(sampledOnly(rendered), sampledOnly(direct), 'the sampled part byte for byte');
  t.match(rendered, /\n$/);
  t.notMatch(rendered, /\n\n\n/, 'families separated by one blank line, as registry.metrics() does');

  let calls = 0;
  const original = registry.getSingleMetricAsString.bind(registry);
  registry.getSingleMetricAsString = (name: string) => {
    if (name === 'proctable_zombies') calls++;
    return original(name);
  };
  await m.render();
  await m.render();
  t.equal(calls, 0, 'no re-render of sampled families without a new sample');
  m.recordSample({ ...fixtureSample(), zombies: 42 });
  const after = await m.render();
  t.equal(calls, 1, 'one render after a new sample');
  t.equal(valueOf(parseExposition(after), 'proctable_zombies'), 42);
  await Promise.all([m.render(), m.render(), m.render()]);
  t.equal(calls, 1, 'concurrent scrapes share it');
  m.recordFailure('loadavg');
  await m.render();
  t.equal(calls, 2, 'a failure changes counters, so it invalidates too');
  t.equal(m.contentType, registry.contentType);
});

t.test('runtime families are reused for RUNTIME_TTL_MS, and the whole text with them', async (t) => {
  let now = 1_000_000;
  const registry = new Registry();
  const m = new ExporterMetrics(registry, BUILD, 5, () => now);
  m.recordSample(fixtureSample());
  let runtimeRenders = 0;
  const original = registry.getSingleMetricAsString.bind(registry);
  registry.getSingleMetricAsString = (name: string) => {
    if (name === 'process_cpu_user_seconds_total') runtimeRenders++;
    return original(name);
  };
  const a = await m.render();
  now += RUNTIME_TTL_MS - 1;
  const b = await m.render();
  t.equal(runtimeRenders, 1, 'one runtime render within the TTL');
  t.equal(b, a, 'the very same text');
  now += 1;
  await m.render();
  t.equal(runtimeRenders, 2, 'rendered again once the TTL is over');
  now -= 60_000;
  await m.render();
  t.equal(runtimeRenders, 3, 'a clock that steps back does not pin the cache');
});

t.test(
  'cgroup families: pids with +Inf, refused forks, parent info joinable on parent_pid, zombies by cgroup',
  async (t) => {
    const long = `/x${'z'.repeat(300)}/a.scope`;
    const twin = `/y${'z'.repeat(300)}/a.scope`; // differs only before the cap: the same label
    const base = fixtureSample();
    const s: Sample = {
      ...base,
      topParents: base.topParents.map((p) =>
        p.pid === 100
          ? {
              ...p,
              cgroup: '/system.slice/docker-abc.scope',
              containerId: 'abc',
              podUid: null,
              systemdUnit: 'docker-abc.scope',
            }
          : p,
      ),
      zombiesByCgroup: [
        { cgroup: '/system.slice/docker-abc.scope', zombies: 4 },
        { cgroup: long, zombies: 2 },
        { cgroup: twin, zombies: 1 },
      ],
      zombiesInOtherCgroups: 2,
      cgroupPids: {
        hierarchy: { version: 2, path: '/sys/fs/cgroup' },
        cgroups: 42,
        selected: [
          { path: '/a.service', current: 10, max: 10, rejected: 3, peak: 10 },
          { path: '/b.slice', current: 7, max: Infinity, rejected: null, peak: null },
          { path: long, current: 1, max: 5, rejected: 0, peak: 1 },
          { path: twin, current: 2, max: 5, rejected: 0, peak: 2 },
        ],
        skipped: { vanished: 1, permission: 0, malformed: 0, io_error: 0, not_regular: 0, limit: 2 },
      },
    };
    const { text, m } = await render([s]);
    m.setProcfsView({ hidepid: 'off', pidNamespace: 'host' });
    const series = parseExposition(text);
    t.match(text, /^proctable_cgroup_pids_max\{cgroup="\/b\.slice"\} \+Inf$/m, '"max" is exported as +Inf');
    t.equal(valueOf(series, 'proctable_cgroup_pids', { cgroup: '/a.service' }), 10);
    t.equal(valueOf(series, 'proctable_cgroup_pids_rejected_total', { cgroup: '/a.service' }), 3);
    t.equal(
      valueOf(series, 'proctable_cgroup_pids_rejected_total', { cgroup: '/b.slice' }),
      undefined,
      'unknown: absent, not 0',
    );
    t.equal(valueOf(series, 'proctable_cgroup_pids_peak', { cgroup: '/b.slice' }), undefined);
    t.equal(valueOf(series, 'proctable_cgroups'), 42);
    t.equal(valueOf(series, 'zombie_exporter_skipped_cgroups_total', { reason: 'limit' }), 2);
    t.equal(valueOf(series, 'zombie_exporter_skipped_cgroups_total', { reason: 'malformed' }), 0, 'present at 0');
    const capped = find(series, 'proctable_cgroup_pids').filter((x) => x.labels.cgroup!.startsWith('...'));
    t.same(
      capped.map((x) => [x.labels.cgroup!.length, x.value]),
      [[256, 1]],
      'one capped label; the higher-ranked cgroup keeps it',
    );
    t.equal(valueOf(series, 'proctable_zombies_by_cgroup', { cgroup: '/system.slice/docker-abc.scope' }), 4);
    t.equal(
      find(series, 'proctable_zombies_by_cgroup').find((x) => x.labels.cgroup!.startsWith('...'))?.value,
      3,
      'capped twins add up',
    );
    t.equal(valueOf(series, 'proctable_zombies_by_cgroup', { cgroup: 'other' }), 2);
    t.equal(
      find(series, 'proctable_zombies_by_cgroup').reduce((n, x) => n + x.value, 0),
      9,
      'sum(by_cgroup) == zombies',
    );
    t.same(
      find(series, 'proctable_zombie_parent_info', { parent_pid: '100' }).map((x) => x.labels),
      [
        {
          parent_pid: '100',
          parent_comm: 'bash',
          cgroup: '/system.slice/docker-abc.scope',
          container_id: 'abc',
          pod_uid: '',
          systemd_unit: 'docker-abc.scope',
          namespace_init: 'false',
        },
      ],
    );
    t.same(
      find(series, 'proctable_zombie_parent_info').map((x) => [x.labels.parent_pid, x.labels.cgroup]),
      s.topParents.filter((p) => p.zombies > 0).map((p) => [String(p.pid), p.cgroup ?? '']),
      'one series per top parent holding zombies, its cgroup as in the sample ("" when unknown)',
    );
    const byParentPids = new Set(find(series, 'proctable_zombies_by_parent').map((x) => x.labels.parent_pid));
    t.ok(
      find(series, 'proctable_zombie_parent_info').every((x) => byParentPids.has(x.labels.parent_pid)),
      'every info series joins a by_parent series',
    );
    const after = parseExposition(await m.render());
    t.equal(valueOf(after, 'zombie_exporter_procfs_info', { hidepid: 'off', pid_namespace: 'host' }), 1);
    const off = await render([{ ...s, cgroupPids: null, zombiesByCgroup: [], zombiesInOtherCgroups: 9 }]);
    const offSeries = parseExposition(off.text);
    t.equal(valueOf(offSeries, 'proctable_cgroups'), undefined, 'walk off: no cgroup count');
    t.same(
      find(offSeries, 'proctable_zombies_by_cgroup').map((x) => [x.labels.cgroup, x.value]),
      [['other', 9]],
    );
  },
);

t.test('OpenMetrics: the same series, counters under _total, no blank line, # EOF last', async (t) => {
  const registry = new Registry();
  const m = new ExporterMetrics(registry, BUILD, 5);
  m.recordSample(fixtureSample());
  const text = await m.render('text');
  const om = await m.render('openmetrics');
  t.match(om, /\n# EOF\n$/, 'ends with # EOF');
  t.equal(om.split('\n').slice(0, -1).indexOf(''), -1, 'no blank line');
  t.equal(om.match(/^# EOF$/gm)?.length, 1, 'one # EOF');
  t.match(om, /^# TYPE proctable_zombies_appeared counter$/m, 'a counter family is named without _total');
  t.match(om, /^proctable_zombies_appeared_total 9$/m, 'and its sample with it');
  t.match(om, /^zombie_exporter_sample_duration_seconds_bucket\{le="1\.0"\} 1$/m, 'le is a canonical float');
  // Every sample line is the text format's, but for le's spelling: the same series either way.
  const samples = (s: string) =>
    s
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#') && !/^(process_|nodejs_)/.test(l))
      .map((l) => l.replace(/le="(\d+)\.0"/, 'le="$1"'))
      .sort();
  t.same(samples(om), samples(text), 'the same samples as the text format');
  t.equal(await m.render('openmetrics'), om, 'cached: the same text until something changes');
});

t.test(
  'processMetrics false (--web.disable-exporter-metrics): no process_* or nodejs_*, the rest as ever',
  async (t) => {
    const registry = new Registry();
    const m = new ExporterMetrics(registry, BUILD, 5, Date.now, { processMetrics: false });
    m.recordSample(fixtureSample());
    for (const format of ['text', 'openmetrics'] as const) {
      const out = await m.render(format);
      t.notMatch(out, /^(# (HELP|TYPE) )?(process_|nodejs_)/m, `${format}: no process_* or nodejs_* family`);
      t.match(out, /^proctable_zombies 9$/m, `${format}: the sampled families`);
      t.match(out, /^zombie_exporter_build_info\{/m, `${format}: build info stays`);
      t.match(out, /^zombie_exporter_scrapes_refused_total 0$/m, `${format}: the refused-scrapes count stays`);
    }
    t.notMatch(await m.render('text'), /\n\n\n/, 'no empty runtime part left behind');
    t.equal(
      registry.getMetricsAsArray().filter((x) => /^(process_|nodejs_)/.test(x.name)).length,
      0,
      'the collectors were never made',
    );
  },
);

t.test('refused scrapes: counted, shown within RUNTIME_TTL_MS, without rendering the sample again', async (t) => {
  let now = 1_000_000;
  const registry = new Registry();
  const m = new ExporterMetrics(registry, BUILD, 5, () => now);
  m.recordSample(fixtureSample());
  const count = async () => valueOf(parseExposition(await m.render()), 'zombie_exporter_scrapes_refused_total');
  t.equal(await count(), 0, 'present at 0');
  let sampledRenders = 0;
  const original = registry.getSingleMetricAsString.bind(registry);
  registry.getSingleMetricAsString = (name: string) => {
    if (name === 'proctable_zombies') sampledRenders++;
    return original(name);
  };
  m.recordRefusedScrape();
  m.recordRefusedScrape();
  t.equal(await count(), 0, 'the runtime text is still within its TTL');
  now += RUNTIME_TTL_MS;
  t.equal(await count(), 2, 'then both are counted');
  t.equal(sampledRenders, 0, 'the sampled families were not rendered again for it');
});

const promtoolTool = promtool();
t.test(
  'promtool check metrics accepts the text, with and without the exporter metrics',
  { skip: 'skip' in promtoolTool ? promtoolTool.skip : false },
  async (t) => {
    for (const processMetrics of [true, false]) {
      const m = new ExporterMetrics(new Registry(), BUILD, 5, Date.now, { processMetrics });
      m.recordSample(fixtureSample());
      const r = spawnSync((promtoolTool as { path: string }).path, ['check', 'metrics'], {
        input: await m.render(),
        encoding: 'utf8',
      });
      t.equal(r.status, 0, `processMetrics ${processMetrics}: ${r.stdout}${r.stderr}`);
      t.equal(`${r.stdout}${r.stderr}`, '', 'no lint warnings');
    }
  },
);
