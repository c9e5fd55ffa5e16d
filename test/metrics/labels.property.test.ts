// Label values come from comm, which any process sets to almost any bytes: whatever they are, the exposition stays
// valid (promtool check metrics) and each label reads back as the comm the walk decoded.

import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import t from 'tap';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import type { Sample } from '../../src/sample/sample.js';
import { find, parseExposition } from '../helpers/exposition.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';
import { promtool } from '../helpers/promtool.js';

const tool = promtool();
const base = createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take();

/** comm bytes (at most 64, a kernel thread's limit), decoded as the walk decodes them: invalid UTF-8 becomes U+FFFD. */
const comm = fc
  .array(
    fc.oneof(
      fc.constantFrom(0x22, 0x5c, 0x0a, 0x0d, 0x7b, 0x7d, 0x3d, 0x2c, 0x00, 0x09, 0x1b, 0xff, 0xfe, 0xc3, 0x23, 0x20),
      fc.integer({ min: 0, max: 255 }),
    ),
    { maxLength: 64 },
  )
  .map((bytes) => Buffer.from(bytes).toString('utf8'));

async function exposition(comms: string[], initComm: string): Promise<string> {
  const sample: Sample = {
    ...base,
    topParents: comms.map((c, i) => ({ ...base.topParents[0]!, pid: 1000 + i, comm: c, zombies: 1 })),
    init: { ...base.init!, comm: initComm },
  };
  const registry = new Registry();
  new ExporterMetrics(
    registry,
    { version: 'x', revision: 'r', branch: 'b', nodejsVersion: 'v', os: 'linux', arch: 'x64', walker: 'node' },
    5,
  ).recordSample(sample);
  return registry.metrics();
}

t.test('label values read back exactly, whatever the bytes', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(comm, { minLength: 1, maxLength: 10 }), comm, async (comms, initComm) => {
      const text = await exposition(comms, initComm);
      const series = parseExposition(text);
      const byParent = find(series, 'proctable_zombies_by_parent').filter((s) => s.labels.parent_pid !== 'other');
      const info = find(series, 'proctable_init_info');
      // A raw newline, quote or backslash would end or split a line; each sample line must stand alone.
      const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      return (
        lines.every((l) =>
          /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? \S+$/.test(l),
        ) &&
        byParent.length === comms.length &&
        byParent.every((s) => s.labels.parent_comm === comms[Number(s.labels.parent_pid) - 1000]) &&
        info.length === 1 &&
        info[0]!.labels.comm === initComm
      );
    }),
    { numRuns: 500 },
  );
  t.pass();
});

t.test(
  'promtool accepts the exposition with hostile comms',
  { skip: 'skip' in tool ? tool.skip : false },
  async (t) => {
    // One promtool run per exposition; 30 of them, each with ten generated comms and a generated PID 1 comm.
    const cases = fc.sample(fc.tuple(fc.array(comm, { minLength: 10, maxLength: 10 }), comm), { numRuns: 30, seed: 6 });
    cases.push([['"\n{}', '\\', '"', '}', '{', '\n', 'a"b\\c\nd', '\u0000', '\ufffd\ufffd', ') Z 1 ('], '"\n{}']);
    for (const [comms, initComm] of cases) {
      const text = await exposition(comms, initComm);
      const r = spawnSync((tool as { path: string }).path, ['check', 'metrics'], {
        input: text,
        encoding: 'utf8',
        timeout: 20_000,
      });
      if (r.status !== 0 || r.stdout || r.stderr) {
        t.fail(`promtool rejected comms ${JSON.stringify(comms)}: ${r.stdout}${r.stderr}`);
        return;
      }
    }
    t.pass(`${cases.length} expositions, all valid and lint-free`);
  },
);
