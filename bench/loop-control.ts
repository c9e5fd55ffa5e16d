// Benchmark control: a Node process that does nothing but measure its own event-loop delay, to show what the host
// alone (the kernel, the VM) does to any process's timers while /proc is walked. Prints one JSON line after the given
// seconds. Usage: loop-control.js <seconds>

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LoopMonitor } from './loop-monitor.js';

const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();
const loop = new LoopMonitor();
setTimeout(
  () => {
    process.stdout.write(
      `${JSON.stringify({ eldMaxMs: eld.max / 1e6, eldP99Ms: eld.percentile(99) / 1e6, loop: loop.report() })}\n`,
    );
    loop.close();
  },
  Number(process.argv[2] ?? 10) * 1000,
);
