// Benchmark child: the real exporter (serve(), walks in its worker) plus an event-loop delay monitor at 1 ms
// resolution. Prints "listening <url>"; on stdin "report" prints one JSON line and resets the monitor; "quit" closes.
// Usage: exporter-probe.js <interval> [procfs]

import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseCommandLine } from '../src/cli/config.js';
import { createLogger } from '../src/log.js';
import { serve } from '../src/serve.js';
import { LoopMonitor } from './loop-monitor.js';

const parsed = parseCommandLine([
  '--web.listen-address=127.0.0.1:0',
  `--sample.interval=${process.argv[2] ?? '5s'}`,
  `--path.procfs=${process.argv[3] ?? '/proc'}`,
]);
if (parsed.kind !== 'run') throw new Error('unreachable');
const exporter = await serve(parsed.config, createLogger('warn', 'logfmt'));
let samples = 0;
let lastDurationMs = 0;
exporter.sampler.on('sample', (s) => {
  samples++;
  lastDurationMs = s.durationSeconds * 1000;
});
const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();
const loop = new LoopMonitor();
// The longest garbage-collection pause on the main thread since the last report: the one pause the exporter causes.
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, e.duration);
}).observe({ entryTypes: ['gc'] });
process.stdout.write(`listening http://${exporter.address}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'report') {
    const cpu = process.cpuUsage();
    process.stdout.write(
      `${JSON.stringify({
        samples,
        lastDurationMs,
        eldMaxMs: eld.max / 1e6,
        eldP99Ms: eld.percentile(99) / 1e6,
        eldMeanMs: eld.mean / 1e6,
        gcMaxMs,
        loop: loop.report(),
        rssBytes: process.memoryUsage().rss,
        heapUsedBytes: process.memoryUsage().heapUsed,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      })}\n`,
    );
    eld.reset();
    loop.reset();
    gcMaxMs = 0;
  } else if (line === 'quit') {
    break;
  }
}
loop.close();
await exporter.close();
process.exit(0);
