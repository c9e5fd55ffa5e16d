import t from 'tap';
import {
  counted,
  formatAge,
  formatPercent,
  sigchldText,
  stateText,
  userText,
  zombieAgeText,
} from '../../src/snapshot/format.js';

t.test('ages', async (t) => {
  t.same([0, 59.4, 60, 3599, 3600, 86399, 90000].map(formatAge), [
    '0s',
    '59s',
    '1m0s',
    '59m59s',
    '1h0m',
    '23h59m',
    '1d1h',
  ]);
});

t.test('a zombie age says what is known: exact, at least, at most, or unknown', async (t) => {
  t.equal(zombieAgeText(600, 'sched', 4993, 0), '10m0s', "from the kernel's record: its age, even in one look");
  t.equal(zombieAgeText(0, 'first_seen', 4993, 0), '≤1h23m', 'one look, no kernel record: only the start-time bound');
  t.equal(zombieAgeText(0, 'first_seen', null, 0), 'unknown');
  t.equal(zombieAgeText(30, 'first_seen', 4993, 120), '30s', 'appeared while watching: known to an interval');
  t.equal(
    zombieAgeText(120, 'first_seen', 4993, 120),
    '≥2m0s ≤1h23m',
    'there at the first look: a lower and an upper bound',
  );
  t.equal(zombieAgeText(120, undefined, undefined, 120), '≥2m0s');
});

t.test('percentages, counts, states, users, SIGCHLD', async (t) => {
  t.same([formatPercent(0.01373), formatPercent(1), formatPercent(0)], ['1.4%', '100.0%', '0.0%']);
  t.same([counted(1, 'zombie'), counted(0, 'zombie'), counted(2, 'parent')], ['1 zombie', '0 zombies', '2 parents']);
  t.same(
    [stateText('S'), stateText('t'), stateText(null), stateText('?')],
    ['S sleeping', 't tracing stop', 'unknown', '?'],
  );
  t.same(
    [userText({ uid: 0, user: 'root' }), userText({ uid: 999, user: null }), userText({ uid: null, user: null })],
    ['root', 'uid 999', 'unknown'],
  );
  const d = (ignored: boolean, caught: boolean, blocked: boolean) => ({ ignored, caught, blocked });
  t.same(
    [
      sigchldText(d(false, false, false)),
      sigchldText(d(true, false, false)),
      sigchldText(d(false, true, true)),
      sigchldText(null),
    ],
    [
      'SIGCHLD at its default',
      'SIGCHLD ignored (the kernel reaps its children)',
      'SIGCHLD blocked and caught',
      'SIGCHLD disposition unknown',
    ],
  );
  t.notMatch(sigchldText(d(false, false, false)), /never|may not/, 'a mask never says it does not reap');
});
