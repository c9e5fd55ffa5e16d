import { monitorEventLoopDelay } from 'node:perf_hooks';
import bcrypt from 'bcryptjs';
import t from 'tap';
import { AUTH_CACHE_ENTRIES } from '../../src/web-config/auth-cache.js';
import { BasicAuthChecker, DECOY_HASH, parseBasicAuth } from '../../src/web-config/basic-auth.js';
import { MAX_PENDING_COMPARISONS } from '../../src/web-config/fair-queue.js';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
// Cost 4, bcrypt's minimum: these tests are about which comparisons happen, not about their cost.
const ALICE = bcrypt.hashSync('pa:ss word', 4);
const BOB = bcrypt.hashSync('bob-secret', 4);
/** A real cost-18 hash, from exporter-toolkit's web/testdata/web_config_users.good.yml (bcryptjs: about a minute). */
const COST_18 = '$2y$18$4VeFDzXIoPHKnKTU3O3GH.N.vZu06CVqczYZ8WvfzrddFU6tGqjR.';

/** A checker whose comparisons are counted, by the hash they were made against. */
function counted(users: Record<string, string>) {
  const calls: string[] = [];
  const checker = new BasicAuthChecker(new Map(Object.entries(users)), async (password, hash) => {
    calls.push(hash);
    return bcrypt.compareSync(password, hash);
  });
  return { checker, calls };
}

/** A checker whose comparisons wait until the test lets each one finish, in the order they started. */
function gated(users: Record<string, string>) {
  const started: { password: string; finish: () => void }[] = [];
  const checker = new BasicAuthChecker(
    new Map(Object.entries(users)),
    (password, hash) =>
      new Promise<boolean>((resolve) => {
        started.push({ password, finish: () => resolve(bcrypt.compareSync(password, hash)) });
      }),
  );
  /** Finishes the running comparison and waits until the next one has started (or nothing is left). */
  const step = async () => {
    const n = started.length;
    started.at(-1)!.finish();
    for (let i = 0; i < 20 && started.length === n; i++) await new Promise((r) => setImmediate(r));
  };
  return { checker, started, step };
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

t.test('right, wrong and unknown credentials; an unknown user costs the fixed cost-10 decoy', async (t) => {
  const { checker, calls } = counted({ alice: ALICE, bob: BOB });
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  t.equal(await checker.check(header('bob', 'bob-secret')), 'ok');
  t.equal(await checker.check(header('alice', 'bob-secret')), 'denied', "another user's password");
  t.equal(await checker.check(header('carol', 'pa:ss word')), 'denied', "an unknown user with a real user's password");
  t.equal(await checker.check(undefined), 'denied');
  t.equal(await checker.check('Bearer x'), 'denied');
  t.same(calls, [ALICE, BOB, ALICE, DECOY_HASH]);
  t.equal(DECOY_HASH, '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi', "exporter-toolkit's own");
  t.ok(bcrypt.compareSync('fakepassword', DECOY_HASH), 'the decoy is "fakepassword" at cost 10');
  t.equal(bcrypt.getRounds(DECOY_HASH), 10);
});

t.test('a cost-18 user listed first does not make unknown users cost 18', async (t) => {
  const { checker, calls } = counted({ slow: COST_18, alice: ALICE });
  t.equal(await checker.check(header('mallory', 'x')), 'denied');
  t.same(calls, [DECOY_HASH]);
});

t.test('"fakeuser:fakepassword" matches the decoy and is still refused, cold and cached', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  t.equal(await checker.check(header('fakeuser', 'fakepassword')), 'denied', 'cold');
  t.equal(await checker.check(header('fakeuser', 'fakepassword')), 'denied', 'cached');
  t.equal(calls.length, 1);
});

t.test(
  'the cache cannot be poisoned through the user name (CVE-2022-46146, as exporter-toolkit tests it)',
  async (t) => {
    const { checker } = counted({ alice: ALICE });
    t.equal(await checker.check(header(`alice${DECOY_HASH}`, 'fakepassword')), 'denied');
    t.equal(await checker.check(header('alice', `${DECOY_HASH}fakepassword`)), 'denied');
    t.equal(await checker.check(header(`alice${ALICE}`, 'pa:ss word')), 'denied');
    t.equal(await checker.check(header('alice', `${ALICE}pa:ss word`)), 'denied');
  },
);

t.test('successes and failures are cached, as exporter-toolkit caches them', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  for (let i = 0; i < 5; i++) t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  t.equal(calls.length, 1, 'one comparison for five scrapes');
  for (let i = 0; i < 3; i++) t.equal(await checker.check(header('alice', 'wrong')), 'denied');
  t.equal(calls.length, 2, 'a repeated wrong password is compared once');
  for (let i = 0; i < 3; i++) t.equal(await checker.check(header('mallory', 'guess')), 'denied');
  t.equal(calls.length, 3, 'a repeated unknown user too');
  for (let i = 0; i < 3; i++) t.equal(await checker.check(header('alice', `guess${i}`)), 'denied');
  t.equal(calls.length, 6, 'every new guess costs a comparison');
  const concurrent = await Promise.all(Array.from({ length: 20 }, () => checker.check(header('alice', 'pa:ss word'))));
  t.ok(concurrent.every((r) => r === 'ok'));
  t.equal(calls.length, 6, 'concurrent scrapes hit the cache');
});

t.test('a changed or removed user: the cached conclusion no longer applies', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  checker.setUsers(new Map([['alice', BOB]]));
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'denied', 'the old password no longer works');
  t.equal(await checker.check(header('alice', 'bob-secret')), 'ok');
  t.equal(calls.length, 3);
  checker.setUsers(new Map([['bob', BOB]]));
  t.equal(await checker.check(header('alice', 'bob-secret')), 'denied', 'alice removed: out, though cached');
  checker.setUsers(new Map());
  t.equal(checker.enabled, false);
  t.equal(await checker.check(header('bob', 'bob-secret')), 'denied', 'no users: nobody is checked in');
});

t.test('a user removed while its comparison waits is not let in', async (t) => {
  const { checker, started } = gated({ alice: ALICE });
  const pending = checker.check(header('alice', 'pa:ss word'));
  t.equal(started.length, 1, 'the comparison started');
  checker.setUsers(new Map([['bob', BOB]]));
  started[0]!.finish();
  t.equal(await pending, 'denied');
});

t.test('concurrent first checks of the same credentials compare once', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  const results = await Promise.all(Array.from({ length: 10 }, () => checker.check(header('alice', 'pa:ss word'))));
  t.ok(results.every((r) => r === 'ok'));
  t.equal(calls.length, 1, 'they wait for the one comparison');
});

t.test('the cache holds 100 entries and, when full, drops a random tenth and one more (cache.go)', async (t) => {
  t.equal(AUTH_CACHE_ENTRIES, 100);
  const users = Object.fromEntries(Array.from({ length: 111 }, (_, i) => [`u${i}`, ALICE]));
  const { checker } = counted(users);
  const sizes: number[] = [];
  for (const user of Object.keys(users)) {
    t.equal(await checker.check(header(user, 'pa:ss word')), 'ok');
    sizes.push(checker.cachedEntries.successes);
  }
  t.same([sizes[98], sizes[99], sizes[100], sizes[110]], [99, 100, 90, 100]);
});

t.test('failures are bounded apart from successes: a flood of guesses never evicts a scraper', async (t) => {
  const { checker, calls } = counted({ alice: ALICE });
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  // Wrong passwords for alice: cost 4 each (an unknown name would cost the cost-10 decoy).
  for (let i = 0; i < 3 * AUTH_CACHE_ENTRIES; i++) await checker.check(header('alice', `guess${i}`));
  // 100 failures, then 90 after every eleventh more: 300 leave 91.
  t.same(checker.cachedEntries, { successes: 1, failures: 91 });
  const before = calls.length;
  t.equal(await checker.check(header('alice', 'pa:ss word')), 'ok');
  t.equal(calls.length, before, 'still cached: no comparison');
});

t.test('a flood of guesses from one client: bounded, answered 401 past the bound, never ahead of others', async (t) => {
  const { checker, started, step } = gated({ alice: ALICE });
  const flood = Array.from({ length: MAX_PENDING_COMPARISONS + 1 }, (_, i) =>
    checker.check(header('alice', `guess${i}`), '192.0.2.66'),
  );
  await new Promise((r) => setImmediate(r));
  t.equal(started.length, 1, 'one comparison runs');
  t.equal(checker.queuedComparisons, MAX_PENDING_COMPARISONS, 'the rest wait, up to the bound');
  t.equal(await checker.check(header('alice', 'one too many'), '192.0.2.66'), 'denied', 'past it: 401 at once');

  // Another client's login is let in even though the queue is full: the flooding client gives up its newest.
  const login = checker.check(header('alice', 'pa:ss word'), '192.0.2.10');
  t.equal(await flood.at(-1), 'denied', "the flood's newest made room");
  t.equal(checker.queuedComparisons, MAX_PENDING_COMPARISONS);
  await step(); // the first guess finishes; the next turn is the login's, not the flood's
  await step();
  t.same(
    started.map((s) => s.password),
    ['guess0', 'guess1', 'pa:ss word'],
    'the login waited for the running guess and one more, not for the whole flood',
  );
  started.at(-1)!.finish();
  t.equal(await login, 'ok');
  t.equal(await checker.check(header('alice', 'pa:ss word'), '192.0.2.66'), 'ok', 'cached: no queue at all');
  await checker.close();
  t.ok(
    (await Promise.all(flood.slice(2, -1))).every((r) => r === 'unavailable'),
    'closing answers the rest',
  );
});

t.test('a queued comparison whose client hung up is skipped, not compared', async (t) => {
  const { checker, started, step } = gated({ alice: ALICE });
  const running = checker.check(header('alice', 'first'));
  let connected = true;
  const gone = checker.check(header('alice', 'hung up'), '', () => connected);
  const waiting = checker.check(header('alice', 'pa:ss word'));
  connected = false;
  await step();
  t.same(
    started.map((s) => s.password),
    ['first', 'pa:ss word'],
    'the hung-up request cost no comparison',
  );
  t.equal(await gone, 'denied');
  started.at(-1)!.finish();
  t.same([await running, await waiting], ['denied', 'ok']);
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

t.test('with real bcrypt in the worker, an unknown user takes as long as a wrong password', async (t) => {
  // The cost-10 hash htpasswd -nBC 10 writes; medians of a few runs, with wide bounds for a busy machine.
  const hash = bcrypt.hashSync('right', 10);
  const checker = new BasicAuthChecker(new Map([['alice', hash]]));
  t.teardown(() => checker.close());
  t.equal(await checker.check(header('alice', 'right')), 'ok', 'the worker compares for real');
  const median = async (user: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      t.equal(await checker.check(header(user, `wrong${i}`)), 'denied');
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[2]!;
  };
  const wrong = await median('alice');
  const unknown = await median('mallory');
  t.ok(
    unknown > wrong / 2 && unknown < wrong * 2,
    `unknown user ${unknown.toFixed(1)} ms vs wrong password ${wrong.toFixed(1)} ms`,
  );
  t.ok(wrong > 10, 'a real bcrypt comparison happened');
});

t.test('a cost-18 comparison runs off the event loop, and close() stops it at once', async (t) => {
  const checker = new BasicAuthChecker(
    new Map([
      ['slow', COST_18],
      ['quick', ALICE],
    ]),
  );
  // A cheap comparison first, so the worker is up and the cost-18 one starts the moment it is asked for.
  t.equal(await checker.check(header('quick', 'pa:ss word')), 'ok');
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let settled = false;
  const pending = checker.check(header('slow', 'guess')).finally(() => (settled = true));
  delay.enable();
  const ticks = await new Promise<number>((resolve) => {
    let n = 0;
    const timer = setInterval(() => {
      if (++n === 50) {
        clearInterval(timer);
        resolve(n);
      }
    }, 10);
  });
  delay.disable();
  t.equal(ticks, 50);
  t.equal(settled, false, 'the comparison was running all along');
  // bcryptjs's own async compare on the main thread blocks it in chunks well above this bound (docs/security.md).
  t.ok(delay.max / 1e6 < 50, `event loop delay at most ${(delay.max / 1e6).toFixed(1)} ms during the comparison`);
  const closing = performance.now();
  await checker.close();
  t.equal(await pending, 'unavailable', 'the waiting check is answered');
  const ms = performance.now() - closing;
  t.ok(ms < 2000, `closed in ${ms.toFixed(0)} ms, mid-comparison`);
  t.equal(await checker.check(header('slow', 'guess')), 'unavailable', 'and nothing is compared after');
});
