// The built binary on a fixture tree, /metrics diffed against a golden file. UPDATE_GOLDEN=1 rewrites the file.

import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { ZOMBIE_TREE, FIXTURES } from '../helpers/fixtures.js';
import { startExporter } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const GOLDEN = `${FIXTURES}/golden/zombies.metrics`;

/** Drops what can't be deterministic: runtime metrics, timestamps, durations, versions and host facts. */
export function deterministic(exposition: string): string {
  const volatile =
    /^(process_|nodejs_|zombie_exporter_last_sample_timestamp_seconds |zombie_exporter_sample_duration_seconds_(bucket|sum)|zombie_exporter_host_info\{|zombie_exporter_build_info\{)/;
  const volatileMeta = /^# (HELP|TYPE) (process_|nodejs_)/;
  return `${exposition
    .split('\n')
    .filter((l) => l !== '' && !volatile.test(l) && !volatileMeta.test(l))
    .join('\n')}\n`;
}

t.test('/metrics on the fixture tree matches the golden file', async (t) => {
  // One sample only: a long interval keeps every age at 0 and every counter at its first value.
  // The fixture sysfs too: the host's own cgroups would make the file differ from machine to machine.
  const ex = await startExporter([
    `--path.procfs=${ZOMBIE_TREE}`,
    `--path.sysfs=${FIXTURES}/sys/v2`,
    '--sample.interval=1h',
    '--zombies.top-parents=2',
    '--cgroups.top=3',
  ]);
  t.teardown(() => ex.stop());
  // 503 until the worker publishes the first sample; then the one and only sample.
  const body = await waitFor('the first sample', async () => {
    const res = await fetch(`${ex.url}/metrics`);
    return res.status === 200 && res.text();
  });
  const got = deterministic(body);
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, got);
  t.equal(
    got,
    readFileSync(GOLDEN, 'utf8'),
    `diff against ${GOLDEN}; rerun with UPDATE_GOLDEN=1 after an intended change`,
  );
});
