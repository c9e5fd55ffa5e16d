import t from 'tap';
import { advise, type LeakingParent } from '../../src/snapshot/next-step.js';

/** The advice as one paragraph: what the page and the JSON's nextStep show. */
const nextStep = (parent: LeakingParent, initSigchldHandled: boolean | null): string =>
  advise(parent, initSigchldHandled).text;

t.test('an ordinary parent: it must reap; kill -TERM hands its zombies to init', async (t) => {
  const step = nextStep({ pid: 4242, state: 'S', zombies: 3 }, true);
  t.equal(
    step,
    'It must reap its children (wait() for them, or set SIGCHLD to SIG_IGN): fix or restart it. `kill -TERM 4242` hands its 3 zombies to init (or the nearest subreaper), which reaps them.',
  );
  t.match(nextStep({ pid: 7, state: 'R', zombies: 1 }, null), 'hands its 1 zombie to init');
  t.notMatch(nextStep({ pid: 7, state: 'R', zombies: 1 }, null), 'Careful');
});

t.test('when PID 1 does not handle SIGCHLD, killing the parent may only move the zombies', async (t) => {
  t.match(nextStep({ pid: 4242, state: 'S', zombies: 3 }, false), /Careful: PID 1 here leaves SIGCHLD at its default/);
});

t.test('a stopped or D-state parent cannot reap until it runs', async (t) => {
  t.match(
    nextStep({ pid: 9, state: 'T', zombies: 2 }, true),
    /^It is stopped \(T\), so it can't reap: `kill -CONT 9` lets it run again\. It must reap/,
  );
  t.match(nextStep({ pid: 9, state: 't', zombies: 2 }, true), /^It is stopped \(t\)/);
  t.match(nextStep({ pid: 9, state: 'D', zombies: 2 }, true), /^It is in uninterruptible sleep \(D\)/);
  t.match(nextStep({ pid: 9, state: null, zombies: 2 }, true), /^It must reap/);
});

t.test('PID 1: only fixing init helps; never suggests killing it', async (t) => {
  for (const handled of [true, false, null]) {
    const step = nextStep({ pid: 1, state: 'S', zombies: 5 }, handled);
    t.match(step, /^PID 1 adopted these orphans and has not reaped them\. Only fixing init helps/);
    t.notMatch(step, 'kill -TERM');
  }
  t.match(
    nextStep({ pid: 1, state: 'S', zombies: 5 }, false),
    'leaves SIGCHLD at its default, so it never reaps: run a real init',
  );
  t.match(nextStep({ pid: 1, state: 'S', zombies: 5 }, true), 'if the count stays or grows, init is broken');
});

t.test('a parent outside the PID namespace: look from the host', async (t) => {
  t.match(nextStep({ pid: 0, state: null, zombies: 5 }, true), "outside this proc root's PID namespace");
});
