import t from 'tap';
import { parseLoadAvg } from '../../src/procfs/parse-loadavg.js';
import { parseExecStart } from '../../src/procfs/parse-proc-sched.js';
import { parseSystemStat } from '../../src/procfs/parse-stat.js';

const forks = (text: string) => {
  const r = parseSystemStat(text);
  return r.ok ? { ok: true, value: r.value.forks } : r;
};
import { parseSysctlInt } from '../../src/procfs/parse-sysctl-int.js';

t.test('loadavg: tasks is the number after the slash', async (t) => {
  t.same(parseLoadAvg('0.00 0.00 0.00 1/77 1744\n'), { ok: true, value: { runnable: 1, tasks: 77, lastPid: 1744 } });
  t.same(parseLoadAvg('12.50 10.01 9.99 31/32767 4194303'), {
    ok: true,
    value: { runnable: 31, tasks: 32767, lastPid: 4194303 },
  });
  for (const bad of [
    '',
    '0.00 0.00 0.00 77 1744',
    '0.00 0.00 1/77 1744',
    'a b c 1/2 3',
    '0.0 0.0 0.0 1/99999999999999999999 1',
  ]) {
    t.equal(parseLoadAvg(bad).ok, false, JSON.stringify(bad));
  }
});

t.test('/proc/stat: the processes line', async (t) => {
  t.same(forks('cpu  1 2 3\nctxt 5\nbtime 1\nprocesses 5571\nprocs_running 1\n'), { ok: true, value: 5571 });
  t.same(forks('cpu 1\nprocs_running 1\n'), { ok: false, failure: 'no processes line' });
  t.same(forks('xprocesses 5\n'), { ok: false, failure: 'no processes line' });
  t.same(forks('processes 99999999999999999999\n'), { ok: false, failure: 'number out of range' });
});

t.test('/proc/stat: each cpuN line, the summary cpu line left out', async (t) => {
  // This machine's /proc/stat (kernel 6.18, 2 vCPUs), cut to the lines that matter.
  const text = [
    'cpu  181843 592 121844 215617 1791 0 1501 10968 0 0',
    'cpu0 86650 327 56732 117204 213 0 627 5399 0 0',
    'cpu1 95193 264 65112 98413 1577 0 874 5568 0 0',
    'intr 1 2 3',
    'processes 31337',
  ].join('\n');
  const r = parseSystemStat(text);
  t.same(r.ok && r.value.cpus, [
    { cpu: 0, irq: 0, softirq: 627, steal: 5399, total: 86650 + 327 + 56732 + 117204 + 213 + 0 + 627 + 5399 },
    { cpu: 1, irq: 0, softirq: 874, steal: 5568, total: 95193 + 264 + 65112 + 98413 + 1577 + 0 + 874 + 5568 },
  ]);
  const old = parseSystemStat('cpu0 1 2 3 4\nprocesses 1\n');
  t.same(
    old.ok && old.value.cpus,
    [{ cpu: 0, irq: 0, softirq: 0, steal: 0, total: 10 }],
    'a kernel that prints four columns',
  );
});

t.test("/proc/PID/sched: se.exec_start, in milliseconds with the kernel's six decimals", async (t) => {
  // The first lines of this machine's /proc/thread-self/sched.
  const text =
    'head (20088, #threads: 1)\n---------\nse.exec_start                                :       2620622.698733\nse.vruntime : 691294.549163\n';
  t.same(parseExecStart(text), { ok: true, value: 2620622.698733 });
  t.same(parseExecStart('se.exec_start : 12.5\n'), { ok: true, value: 12.5 });
  t.same(parseExecStart('se.vruntime : 1.0\n'), { ok: false, failure: 'no se.exec_start' });
  t.same(parseExecStart('se.exec_start : -3.0\n'), { ok: false, failure: 'no se.exec_start' });
});

t.test('sysctl integers', async (t) => {
  t.same(parseSysctlInt('32768\n'), { ok: true, value: 32768 });
  t.same(parseSysctlInt('4194304'), { ok: true, value: 4194304 });
  for (const bad of ['', '\n', '-1\n', '12 34\n', '0x10\n', '99999999999999999999\n'])
    t.equal(parseSysctlInt(bad).ok, false, JSON.stringify(bad));
});

t.test('uptime: seconds since boot', async (t) => {
  const { parseUptime } = await import('../../src/procfs/parse-uptime.js');
  t.same(parseUptime('4434.22 8445.45\n'), { ok: true, value: 4434.22 });
  t.same(parseUptime('5 9'), { ok: true, value: 5 });
  for (const bad of ['', '4434.22\n', 'a b', '1e400 1']) t.equal(parseUptime(bad).ok, false, JSON.stringify(bad));
});
