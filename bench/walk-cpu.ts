// Benchmark child: the exporter's sample (walk, parse, aggregate, host facts) taken back to back in a fresh
// process, reporting wall and CPU per collection as one JSON line. Usage: walk-cpu.js <walks> [native|node] [procfs]

import { performance } from 'node:perf_hooks';
import { createProcReader } from '../src/procfs/reader.js';
import { createSampleTaker } from '../src/sample/take-sample.js';

const walks = Number(process.argv[2] ?? 10);
const native = (process.argv[3] ?? 'native') === 'native';
const taker = createSampleTaker({ reader: createProcReader(process.argv[4] ?? '/proc', { native }), topParents: 10 });
if (native && taker.walkMethod !== 'native')
  throw new Error('the native stat reader is not built: run npm install with g++ present');
// Warm up the JIT and the first-seen table, as a running exporter would be.
for (let i = 0; i < 3; i++) taker.take();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let sample = taker.take();
for (let i = 1; i < walks; i++) sample = taker.take();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    walks,
    method: taker.walkMethod,
    processes: sample.processes,
    zombies: sample.zombies,
    wallMs: (performance.now() - t0) / walks,
    cpuMs: (cpu.user + cpu.system) / 1000 / walks,
    userMs: cpu.user / 1000 / walks,
    systemMs: cpu.system / 1000 / walks,
  })}\n`,
);
