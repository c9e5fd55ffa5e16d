// OpenMetrics families written literally, and the built exporter's OpenMetrics read by a real Prometheus: the
// server's own parser accepts it, and stores what the format says (counter samples with `_total`, canonical `le`).

import t from 'tap';
import { renderOpenMetricsFamily } from '../../src/metrics/openmetrics.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { startExporter } from '../helpers/processes.js';
import { prometheusBinary, startPrometheus } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';

t.test('a counter: the family without _total, the sample with it', async (t) => {
  t.equal(
    renderOpenMetricsFamily({
      name: 'proctable_zombies_reaped_total',
      help: 'Zombies seen and then gone.',
      type: 'counter',
      values: [{ value: 9, labels: {} }],
    }),
    [
      '# HELP proctable_zombies_reaped Zombies seen and then gone.',
      '# TYPE proctable_zombies_reaped counter',
      'proctable_zombies_reaped_total 9',
    ].join('\n'),
  );
});

t.test('a gauge: escaping in HELP and labels, and the numbers OpenMetrics spells out', async (t) => {
  t.equal(
    renderOpenMetricsFamily({
      name: 'proctable_zombies_by_parent',
      help: 'parent_pid="other" sums the rest \\ and\nmore',
      type: 'gauge',
      values: [
        { value: 4, labels: { parent_pid: '100', parent_comm: 'a "b"\\c\nd' } },
        { value: Infinity, labels: { parent_pid: 'other', parent_comm: '' } },
        { value: -Infinity, labels: { parent_pid: '1', parent_comm: undefined } },
        { value: NaN, labels: { parent_pid: '2', parent_comm: 'x' } },
      ],
    }),
    [
      '# HELP proctable_zombies_by_parent parent_pid=\\"other\\" sums the rest \\\\ and\\nmore',
      '# TYPE proctable_zombies_by_parent gauge',
      'proctable_zombies_by_parent{parent_pid="100",parent_comm="a \\"b\\"\\\\c\\nd"} 4',
      'proctable_zombies_by_parent{parent_pid="other",parent_comm=""} +Inf',
      'proctable_zombies_by_parent{parent_pid="1"} -Inf',
      'proctable_zombies_by_parent{parent_pid="2",parent_comm="x"} NaN',
    ].join('\n'),
  );
});

t.test('a histogram: its samples name themselves, le is a canonical float', async (t) => {
  t.equal(
    renderOpenMetricsFamily({
      name: 'zombie_exporter_sample_duration_seconds',
      help: 'Time to walk.',
      type: 'histogram',
      values: [
        { metricName: 'zombie_exporter_sample_duration_seconds_bucket', value: 1, labels: { le: 0.005 } },
        { metricName: 'zombie_exporter_sample_duration_seconds_bucket', value: 2, labels: { le: 1 } },
        { metricName: 'zombie_exporter_sample_duration_seconds_bucket', value: 2, labels: { le: 10 } },
        { metricName: 'zombie_exporter_sample_duration_seconds_bucket', value: 2, labels: { le: '+Inf' } },
        { metricName: 'zombie_exporter_sample_duration_seconds_sum', value: 0.75, labels: {} },
        { metricName: 'zombie_exporter_sample_duration_seconds_count', value: 2, labels: {} },
      ],
    }),
    [
      '# HELP zombie_exporter_sample_duration_seconds Time to walk.',
      '# TYPE zombie_exporter_sample_duration_seconds histogram',
      'zombie_exporter_sample_duration_seconds_bucket{le="0.005"} 1',
      'zombie_exporter_sample_duration_seconds_bucket{le="1.0"} 2',
      'zombie_exporter_sample_duration_seconds_bucket{le="10.0"} 2',
      'zombie_exporter_sample_duration_seconds_bucket{le="+Inf"} 2',
      'zombie_exporter_sample_duration_seconds_sum 0.75',
      'zombie_exporter_sample_duration_seconds_count 2',
    ].join('\n'),
  );
});

t.test('a family with no series: HELP and TYPE only', async (t) => {
  t.equal(
    renderOpenMetricsFamily({ name: 'proctable_pid_max', help: 'pid_max.', type: 'gauge', values: [] }),
    '# HELP proctable_pid_max pid_max.\n# TYPE proctable_pid_max gauge',
  );
});

const tool = prometheusBinary();
t.test(
  'a real Prometheus scrapes the built exporter in OpenMetrics and stores what that format says',
  { skip: 'skip' in tool ? tool.skip : false },
  async (t) => {
    const ex = await startExporter([`--path.procfs=${ZOMBIE_TREE}`, '--sample.interval=1h']);
    t.teardown(() => ex.stop());
    const prom = await startPrometheus((tool as { path: string }).path, () =>
      [
        'global: {scrape_interval: 1s, scrape_timeout: 900ms}',
        'scrape_configs:',
        '  - job_name: om',
        `    static_configs: [{targets: ['${ex.address}']}]`,
        '',
      ].join('\n'),
    );
    t.teardown(() => prom.stop());
    const one = async (expr: string) => {
      const r = await prom.query(expr);
      return r.result.length === 1 ? Number(r.result[0]!.value![1]) : undefined;
    };
    await waitFor('a scrape with the exporter up', async () => (await one('up{job="om"}')) === 1, 30_000, 200);
    t.equal(await one('up{job="om"}'), 1, "Prometheus's OpenMetrics parser took the exposition");
    // le="1.0" exists only if the scrape was OpenMetrics: in the text format the same bucket is le="1".
    t.equal(
      await one('count(zombie_exporter_sample_duration_seconds_bucket{job="om", le="1.0"})'),
      1,
      'the bucket is le="1.0": the scrape was OpenMetrics',
    );
    t.equal(
      await one('count(zombie_exporter_sample_duration_seconds_bucket{job="om", le="1"})'),
      undefined,
      'and not the text format',
    );
    t.equal(await one('proctable_zombies_reaped_total{job="om"}'), 0, 'a counter, stored under its _total name');
    t.equal(await one('proctable_zombies{job="om"}'), 9, 'a gauge with its value');
    t.equal(
      await one('scrape_samples_scraped{job="om"}'),
      await one('scrape_samples_post_metric_relabeling{job="om"}'),
    );
    const logs = prom.logs();
    t.notMatch(logs, /level=(warn|error).*om/i, 'no scrape warnings');
  },
);
