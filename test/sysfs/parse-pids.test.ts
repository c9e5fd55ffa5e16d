import t from 'tap';
import { parsePidsCount, parsePidsEventsMax, parsePidsMax } from '../../src/sysfs/parse-pids.js';

t.test('counts: pids.current and pids.peak', async (t) => {
  t.same(parsePidsCount('0\n'), { ok: true, value: 0 });
  t.same(parsePidsCount('4194304\n'), { ok: true, value: 4194304 });
  // 2^64 - 1 is not exact in a double: it must come back as the nearest double, never wrapped or thrown.
  // eslint-disable-next-line no-loss-of-precision -- 2^64-1 as the kernel prints it: the parser must give back the nearest double
  t.same(parsePidsCount('18446744073709551615\n'), { ok: true, value: 18446744073709551615 });
  for (const bad of ['', '\n', '-1\n', 'max\n', '1 2\n', '12a\n', '123456789012345678901\n']) {
    t.same(parsePidsCount(bad), { ok: false, failure: 'not a count' }, JSON.stringify(bad));
  }
});

t.test('pids.max: a count or "max" for no limit of its own', async (t) => {
  t.same(parsePidsMax('max\n'), { ok: true, value: Infinity });
  t.same(parsePidsMax('1024\n'), { ok: true, value: 1024 });
  t.same(parsePidsMax('0\n'), { ok: true, value: 0 }, 'a limit of 0 is real: nothing may fork');
  t.same(parsePidsMax('maximum\n'), { ok: false, failure: 'not a count' });
});

t.test('pids.events: the max line, other keys ignored', async (t) => {
  t.same(parsePidsEventsMax('max 0\n'), { ok: true, value: 0 });
  t.same(parsePidsEventsMax('max 1234\n'), { ok: true, value: 1234 });
  t.same(
    parsePidsEventsMax('max.imposed 7\nmax 3\n'),
    { ok: true, value: 3 },
    'a key that only starts with max is another key',
  );
  // eslint-disable-next-line no-loss-of-precision -- 2^63-1 as the kernel prints it: the parser must give back the nearest double
  t.same(parsePidsEventsMax('max 9223372036854775807\n'), { ok: true, value: 9223372036854775807 });
  t.same(parsePidsEventsMax(''), { ok: false, failure: 'no max line' });
  t.same(parsePidsEventsMax('max lots\n'), { ok: false, failure: 'not a count' });
});
