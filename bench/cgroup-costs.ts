// Measures what the cgroup features cost on this machine, as root: a walk of N real pids cgroups (the sample's
// whole cgroup step: detection, walk, selection, peaks), and reading zombies' cgroups per zombie vs per parent.
// Run: npm run build && tsc -p tsconfig.bench.json && node dist-bench/bench/cgroup-costs.js [--cgroups=1000]
// Everything it makes (cgroups, processes) is removed again, also on Ctrl-C.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createProcReader } from '../src/procfs/reader.js';
import { CgroupPidsSelector } from '../src/sample/cgroup-pids.js';
import { findPidsHierarchy } from '../src/sysfs/pids-hierarchy.js';
import { createSysfsReader } from '../src/sysfs/reader.js';

const { values } = parseArgs({
  options: {
    cgroups: { type: 'string', default: '1000' },
    walks: { type: 'string', default: '50' },
    zombies: { type: 'string', default: '2000' },
    parents: { type: 'string', default: '200' },
  },
});
const N = Number(values.cgroups);
const WALKS = Number(values.walks);

if (process.getuid?.() !== 0) {
  process.stderr.write('cgroup-costs: needs root to create cgroups\n');
  process.exit(2);
}
const sysfs = createSysfsReader('/sys');
const found = findPidsHierarchy(sysfs);
if (!found.ok) {
  process.stderr.write(`cgroup-costs: ${found.reason}\n`);
  process.exit(2);
}
const top = `/sys/${found.hierarchy.rel}/ze-bench-${process.pid}`;
const made: string[] = [];
const cleanup = (): void => {
  for (const dir of made.reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // already gone
    }
  }
  made.length = 0;
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** A Kubernetes-like shape: pods of 9 containers under one parent, N cgroups in all. */
function makeCgroups(): void {
  mkdirSync(top);
  made.push(top);
  for (let pod = 0; made.length < N; pod++) {
    const p = `${top}/pod${pod}`;
    mkdirSync(p);
    made.push(p);
    writeFileSync(`${p}/pids.max`, '1024');
    for (let c = 0; c < 9 && made.length < N; c++) {
      mkdirSync(`${p}/c${c}`);
      made.push(`${p}/c${c}`);
    }
  }
}

function measure(label: string, runs: number, fn: () => void): void {
  fn(); // warm
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / runs;
  process.stdout.write(
    `${label.padEnd(58)} wall ${wallMs.toFixed(2).padStart(7)} ms  cpu ${cpuMs.toFixed(2).padStart(7)} ms\n`,
  );
}

const before = new CgroupPidsSelector(sysfs, 20, 20_000).select(Date.now()).pids.cgroups;
makeCgroups();
const selector = new CgroupPidsSelector(sysfs, 20, 20_000);
const walked = selector.select(Date.now()).pids.cgroups;
process.stdout.write(
  `pids hierarchy v${found.hierarchy.version} at /sys/${found.hierarchy.rel}: ${before} cgroups before, ${walked} with ${made.length} made\n`,
);
measure(`cgroup step, ${walked} cgroups (detect, walk, top 20, peaks)`, WALKS, () => selector.select(Date.now()));
cleanup();

// Zombies: P parents holding Z zombies between them, under a subreaper that reaps everything when told to.
const Z = Number(values.zombies);
const P = Number(values.parents);
const script = `
import os, signal, sys, ctypes
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back here, never to PID 1
parents, zombies = [], []
for p in range(${P}):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        kids = []
        for _ in range(${Z} // ${P}):
            k = os.fork()
            if k == 0:
                os._exit(0)
            kids.append(k)
        os.write(w, (" ".join(map(str, kids)) + "\\n").encode())
        os.close(w)
        signal.pause()
        os._exit(0)
    os.close(w)
    zombies += os.read(r, 1 << 20).split()
    os.close(r)
    parents.append(pid)
print(" ".join(map(str, parents)), flush=True)
print(" ".join(z.decode() for z in zombies), flush=True)
sys.stdin.read()
for pid in parents:
    os.kill(pid, signal.SIGKILL)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
`;
const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
process.on('exit', () => {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // gone
  }
});
const lines = createInterface({ input: child.stdout });
const [parentLine] = (await once(lines, 'line')) as [string];
const [zombieLine] = (await once(lines, 'line')) as [string];
const parents = parentLine.split(' ').map(Number);
const zombies = zombieLine.split(' ').map(Number);
const proc = createProcReader('/proc', { native: false });
const readAll = (pids: number[]) => () => {
  for (const pid of pids) proc.readText(`${pid}/cgroup`);
};
measure(`read /proc/PID/cgroup of each of ${zombies.length} zombies`, 20, readAll(zombies));
measure(`read /proc/PID/cgroup of each of their ${parents.length} parents`, 20, readAll(parents));
process.stdout.write(
  `a zombie's own cgroup here: ${JSON.stringify(
    readFileSync(`/proc/${zombies[0]}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => /pids|^0::/.test(l)),
  )}\n`,
);
child.stdin.end();
await once(child, 'exit');
if (existsSync(top)) cleanup();
