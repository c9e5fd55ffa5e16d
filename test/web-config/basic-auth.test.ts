import bcrypt from 'bcryptjs';
import t from 'tap';
import {
  AUTH_CACHE_ENTRIES,
  BasicAuthChecker,
  MAX_QUEUED_COMPARISONS,
  parseBasicAuth,
} from '../../src/web-config/basic-auth.js';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
// Cost 4, bcrypt's minimum: these tests are about which comparisons happen, not about their cost.
const ALICE = bcrypt.hashSync('pa:ss word', 4);
const BOB = bcrypt.hashSync('bob-secret', 4);

/** A checker whose comparisons are counted, by the hash they were made against. */
function counted(users: Record<string, string>) {
  const calls: string[] = [];
  const checker = new BasicAuthChecker(new Map(Object.entries(users)), async (password, hash) => {
    calls.push(hash);
    return bcrypt.compare(password, hash);
  });
  return { checker, calls };
}

t.test('parseBasicAuth', async (t) => {
  t.same(
    parseBasicAuth(header('alice', 'pa:ss word')),
    { user: 'alice', password: 'pa:ss word' },
    'the password may hold colons',
  );
  t.same(
    parseBasicAuth(`basic ${Buffer.from('a:').toString('base64')}`),
    { user: 'a', password: '' },
    'scheme is case-insensitive',
  );
  for (const bad of [
    undefined,
    '',
    'Bearer abc',
    'Basic',
    'Basic !!!',
    `Basic ${Buffer.from('no-colon').toString('base64')}`,
  ]) {
    t.equal(parseBasicAuth(bad), undefined, String(bad));
  }
});

t.test('right, wrong and unknown credentials', async (t) => {
  const { checker, calls } = counted({ alice: ALICE, bob: BOB });
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  t.equal(await checker.check(header('bob', 'bob-secret')), 'ok');
  t.equal(await checker.check(header('alice', 'bob-secret')), 'denied', "another user's password");
  t.equal(await checker.check(header('carol', 'pa:ss word')), 'denied', "an unknown user with a real user's password");
  t.equal(await checker.check(undefined), 'denied');
  t.equal(await checker.check('Bearer x'), 'denied');
  t.same(calls, [ALICE, BOB, ALICE, ALICE], 'an unknown user costs one bcrypt comparison, like a wrong password');
});

t.test('successes are cached; failures always pay bcrypt', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  for (let i = 0; i < 5; i++) t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  t.equal(calls.length, 1, 'one comparison for five scrapes');
  for (let i = 0; i < 3; i++) t.equal(await checker.check(header('alice', 'wrong')), 'denied');
  t.equal(calls.length, 4, 'every failure is compared again: guessing stays expensive');
  const concurrent = await Promise.all(Array.from({ length: 20 }, () => checker.check(header('alice', 'pa:ss word'))));
  t.ok(concurrent.every((r) => r === 'ok'));
  t.equal(calls.length, 4, 'concurrent scrapes hit the cache');
});

t.test('a changed hash invalidates the cached success', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  checker.setUsers(new Map([['alice', BOB]]));
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'denied', 'the old password no longer works');
  t.equal(await checker.check(header('alice', 'bob-secret')), 'ok');
  t.equal(calls.length, 3);
  checker.setUsers(new Map());
  t.equal(checker.enabled, false);
  t.equal(await checker.check(header('alice', 'bob-secret')), 'denied', 'no users: nobody is checked in');
});

t.test('concurrent first checks of the same credentials compare once', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  const results = await Promise.all(Array.from({ length: 10 }, () => checker.check(header('alice', 'pa:ss word'))));
  t.ok(results.every((r) => r === 'ok'));
  t.equal(calls.length, 1, 'queued behind the first, then served from the cache');
});

t.test('the cache is bounded', async (t) => {
  const users = Object.fromEntries(Array.from({ length: AUTH_CACHE_ENTRIES + 10 }, (_, i) => [`u${i}`, ALICE]));
  const { checker } = counted(users);
  for (const user of Object.keys(users)) t.equal(await checker.check(header(user, 'pa:ss word')), 'ok');
  t.equal(checker.cachedEntries, AUTH_CACHE_ENTRIES);
});

t.test('a flood of guesses queues at most so many comparisons; cached scrapes are not held up', async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let compared = 0;
  const checker = new BasicAuthChecker(new Map([['alice', ALICE]]), async (password, hash) => {
    compared++;
    if (password !== 'pa:ss word') await gate; // guesses hang, as a slow bcrypt would under load
    return bcrypt.compare(password, hash);
  });
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok', 'a scraper proves itself first');
  const guesses = Array.from({ length: MAX_QUEUED_COMPARISONS }, (_, i) => checker.check(header('alice', `guess${i}`)));
  t.equal(await checker.check(header('alice', 'one too many')), 'busy', 'past the bound: turned away at once');
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok', 'the cached scraper still gets in');
  release();
  t.ok((await Promise.all(guesses)).every((r) => r === 'denied'));
  t.equal(compared, 1 + MAX_QUEUED_COMPARISONS, 'the turned-away guess cost nothing');
  t.equal(await checker.check(header('alice', 'later')), 'denied', 'the queue drained: checks resume');
});

t.test('passwords longer than bcrypt reads are refused, as Go refuses them', async (t) => {
  const long = 'x'.repeat(72);
  const { checker } = counted({ alice: bcrypt.hashSync(long, 4) });
  t.equal(await checker.check(header('alice', long)), 'ok', '72 bytes: fine');
  t.equal(
    await checker.check(header('alice', `${long}y`)),
    'denied',
    '73 bytes: bcryptjs would match the prefix; refused',
  );
});

t.test('with real bcrypt, an unknown user takes as long as a wrong password', async (t) => {
  // The cost-10 hash htpasswd -nBC 10 writes; medians of a few runs, with wide bounds for a busy machine.
  const hash = bcrypt.hashSync('right', 10);
  const checker = new BasicAuthChecker(new Map([['alice', hash]]));
  const median = async (h: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await checker.check(h);
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[2]!;
  };
  const wrong = await median(header('alice', 'wrong'));
  const unknown = await median(header('mallory', 'wrong'));
  t.ok(
    unknown > wrong / 2 && unknown < wrong * 2,
    `unknown user ${unknown.toFixed(1)} ms vs wrong password ${wrong.toFixed(1)} ms`,
  );
  t.ok(wrong > 10, 'a real bcrypt comparison happened');
});
