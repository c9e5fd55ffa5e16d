import t from 'tap';
import {
  advise,
  initHoldsZombiesThatStay,
  INIT_STUCK_SECONDS,
  type LeakingParent,
} from '../../src/snapshot/next-step.js';

const parent = (p: Partial<LeakingParent> & Pick<LeakingParent, 'pid' | 'zombies'>): LeakingParent => ({
  state: 'S',
  namespaceInit: false,
  containerId: null,
  heldSeconds: 10,
  ...p,
});
/** The advice as one paragraph: what the page and the JSON's nextStep show. */
const nextStep = (p: LeakingParent, initStuck = false): string => advise(p, initStuck).text;

t.test("an ordinary parent: it must reap; kill -TERM hands its zombies to its namespace's init", async (t) => {
  t.equal(
    nextStep(parent({ pid: 4242, zombies: 3 })),
    "It must reap its children (wait() for them, or set SIGCHLD to SIG_IGN): fix or restart it. `kill -TERM 4242` hands its 3 zombies to its PID namespace's init (or the nearest subreaper), which reaps them.",
  );
  t.match(nextStep(parent({ pid: 7, state: 'R', zombies: 1 })), 'hands its 1 zombie to its');
  t.notMatch(nextStep(parent({ pid: 7, zombies: 1 })), 'Careful');
});

t.test(
  'when an init holds zombies that stay, killing a parent may only move them: said by behaviour, not masks',
  async (t) => {
    t.match(nextStep(parent({ pid: 4242, zombies: 3 }), true), /Careful: an init here holds zombies that stay/);
    t.notOk(
      initHoldsZombiesThatStay([{ pid: 1, zombies: 2, heldSeconds: 30, namespaceInit: false }]),
      'a fresh zombie under PID 1',
    );
    t.ok(initHoldsZombiesThatStay([{ pid: 1, zombies: 2, heldSeconds: INIT_STUCK_SECONDS + 1, namespaceInit: false }]));
    t.ok(
      initHoldsZombiesThatStay([{ pid: 7483, zombies: 2, heldSeconds: 600, namespaceInit: true }]),
      'a container init',
    );
    t.notOk(
      initHoldsZombiesThatStay([{ pid: 7483, zombies: 2, heldSeconds: 600, namespaceInit: false }]),
      'an ordinary parent',
    );
  },
);

t.test('a stopped or D-state parent cannot reap until it runs', async (t) => {
  t.match(
    nextStep(parent({ pid: 9, state: 'T', zombies: 2 })),
    /^It is stopped \(T\), so it can't reap: `kill -CONT 9` lets it run again\. It must reap/,
  );
  t.match(nextStep(parent({ pid: 9, state: 't', zombies: 2 })), /^It is stopped \(t\)/);
  t.match(nextStep(parent({ pid: 9, state: 'D', zombies: 2 })), /^It is in uninterruptible sleep \(D\)/);
  t.match(nextStep(parent({ pid: 9, state: null, zombies: 2 })), /^It must reap/);
});

t.test('PID 1: only fixing init helps; never suggests killing it, never judges by its masks', async (t) => {
  for (const heldSeconds of [5, 600]) {
    const step = nextStep(parent({ pid: 1, zombies: 5, heldSeconds }));
    t.match(step, /^PID 1 adopted these orphans and has not reaped them\. Only fixing init helps/);
    t.notMatch(step, 'kill -TERM');
    t.notMatch(step, /never reaps|SIGCHLD at its default/);
  }
  t.match(
    nextStep(parent({ pid: 1, zombies: 5, heldSeconds: 600 })),
    'It has held one for 10m0s, so it is not reaping: run a real init',
  );
  t.match(nextStep(parent({ pid: 1, zombies: 5, heldSeconds: 5 })), 'A working init reaps within seconds');
});

t.test("a container's init: SIGTERM does nothing; restart the container with an init that reaps", async (t) => {
  const id = 'a'.repeat(64);
  const a = advise(parent({ pid: 7483, zombies: 26, namespaceInit: true, containerId: id, heldSeconds: 400 }), false);
  t.equal(a.command, null, 'no kill -TERM: it would be ignored');
  t.match(a.text, '`kill -TERM 7483` does nothing');
  t.match(a.text, `Restart container ${'a'.repeat(12)}`);
  t.match(a.text, /docker run --init/);
  t.match(a.text, /shareProcessNamespace: true/);
  t.match(a.text, /It has held one for 6m40s: it is not reaping/);
  t.match(advise(parent({ pid: 7483, zombies: 1, namespaceInit: true }), false).text, 'Restart its container');
});

t.test('a parent outside the PID namespace: look from the host', async (t) => {
  t.match(nextStep(parent({ pid: 0, state: null, zombies: 5 })), "outside this proc root's PID namespace");
});
