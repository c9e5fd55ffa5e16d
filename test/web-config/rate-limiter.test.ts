import t from 'tap';
import { RateLimiter } from '../../src/web-config/rate-limiter.js';

t.test('a burst, then one request per interval', async (t) => {
  let now = 1000;
  const limiter = new RateLimiter(100, 3, () => now);
  t.same([limiter.allow(), limiter.allow(), limiter.allow(), limiter.allow()], [true, true, true, false]);
  now += 99;
  t.equal(limiter.allow(), false, 'not yet a whole token');
  now += 1;
  t.equal(limiter.allow(), true);
  now += 10_000;
  t.same(
    [limiter.allow(), limiter.allow(), limiter.allow(), limiter.allow()],
    [true, true, true, false],
    'saves at most the burst',
  );
  now -= 5000;
  t.equal(limiter.allow(), false, 'a clock stepping back refills nothing');
});

t.test("a burst of 0 lets nothing through, ever, as Go's rate.NewLimiter(every, 0) does", async (t) => {
  let now = 0;
  const limiter = new RateLimiter(1000, 0, () => now);
  const answers = [];
  for (let i = 0; i < 3; i++) {
    answers.push(limiter.allow());
    now += 10_000;
  }
  t.same(answers, [false, false, false]);
});
