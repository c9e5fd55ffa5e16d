import t from 'tap';
import { parseLoadAvg } from '../../src/procfs/parse-loadavg.js';
import { parseForks } from '../../src/procfs/parse-stat.js';
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
  t.same(parseForks('cpu  1 2 3\nctxt 5\nbtime 1\nprocesses 5571\nprocs_running 1\n'), { ok: true, value: 5571 });
  t.same(parseForks('cpu 1\nprocs_running 1\n'), { ok: false, failure: 'no processes line' });
  t.same(parseForks('xprocesses 5\n'), { ok: false, failure: 'no processes line' });
  t.same(parseForks('processes 99999999999999999999\n'), { ok: false, failure: 'number out of range' });
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
