// The built exporter's zombie_exporter_procfs_info and its start-up warning, in the setups a container can give it:
// the host's PID namespace (privileged or not), a PID namespace of its own with its own /proc, and a namespace of its
// own reading the host's /proc (the /host/proc setup), where pid_max is read in the wrong namespace.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseExposition, valueOf, type Series } from '../helpers/exposition.js';
import { startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = process.getuid?.() === 0;
if (!ROOT && process.env.CI) throw new Error('the procfs view tests need root under CI (unshare, setpriv)');
const skip = !ROOT && 'needs root to run the exporter under unshare and setpriv';
const HOST_PID_MAX = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));

async function firstSample(wrap: string[]): Promise<{ series: Series[]; log: string }> {
  const ex = await startExporter(['--sample.interval=1h', '--log.level=debug'], { wrapper: wrap });
  try {
    const text = await waitFor('the first sample', async () => {
      const res = await fetch(`${ex.url}/metrics`);
      return res.status === 200 && res.text();
    });
    return { series: parseExposition(text), log: ex.stderr() };
  } finally {
    await ex.stop();
  }
}

const info = (s: Series[], labels: Record<string, string>) => valueOf(s, 'zombie_exporter_procfs_info', labels);

t.test("the host's PID namespace, as root", { skip }, async (t) => {
  const { series, log } = await firstSample([]);
  t.equal(info(series, { hidepid: 'off', pid_namespace: 'host' }), 1);
  t.match(log, /msg="proc root sees the host" hidepid=off pid_namespace=host/);
  t.notMatch(log, /level=warn/);
  t.equal(valueOf(series, 'proctable_pid_max'), HOST_PID_MAX);
});

t.test(
  "the host's PID namespace, unprivileged (nobody): told by kthreadd, PID 1's link being out of reach",
  { skip },
  async (t) => {
    const { series, log } = await firstSample(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    t.equal(info(series, { hidepid: 'off', pid_namespace: 'host' }), 1);
    t.match(log, /pid_namespace=host evidence=kernel_thread/);
    t.notMatch(log, /level=warn/);
  },
);

t.test('its own PID namespace and its own /proc (a container without hostPID): warned once', { skip }, async (t) => {
  const { series, log } = await firstSample(['unshare', '--pid', '--fork', '--mount-proc']);
  t.equal(info(series, { hidepid: 'off', pid_namespace: 'container' }), 1);
  t.equal(
    log.match(/level=warn msg="\/proc shows a container's PID namespace, not the host's/g)?.length,
    1,
    'one warning',
  );
  t.ok(valueOf(series, 'proctable_visible_tasks')! < 50, 'it sees only its own namespace');
});

t.test(
  "its own PID namespace reading the host's /proc (the /host/proc setup): host processes, not the host's pid_max",
  { skip },
  async (t) => {
    const { series, log } = await firstSample(['unshare', '--pid', '--fork']);
    t.equal(info(series, { hidepid: 'off', pid_namespace: 'host' }), 1, 'the proc root shows the host');
    t.match(log, /level=warn msg="the exporter runs in a child PID namespace: pid_max is read in that namespace/);
    // Measured on this kernel: /proc/sys/kernel/pid_max answers for the reader's namespace.
    t.comment(
      `pid_max read through the host's /proc from a child namespace: ${valueOf(series, 'proctable_pid_max')} (host: ${HOST_PID_MAX})`,
    );
  },
);
