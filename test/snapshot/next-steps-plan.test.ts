import t from 'tap';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { planNextSteps } from '../../src/snapshot/next-steps-plan.js';
import { toSnapshot, type Snapshot } from '../../src/snapshot/snapshot.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

const fixture = (topParents = 10): Snapshot =>
  toSnapshot(createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents }).take());

t.test('the fixture: one command per ordinary parent, PID 1 apart, nothing unlisted', async (t) => {
  const plan = planNextSteps(fixture());
  t.same(plan.commands, [
    { pid: 100, comm: 'bash', zombies: 4, command: 'kill -TERM 100', note: null },
    { pid: 200, comm: 'my app (v2)', zombies: 2, command: 'kill -TERM 200', note: null },
    { pid: 300, comm: 'leaky', zombies: 1, command: 'kill -TERM 300', note: null },
  ]);
  t.equal(plan.caution, null, 'no init here holds a zombie it has not reaped for long');
  t.match(plan.init, { comm: 'systemd', zombies: 2, text: /^Only fixing init helps/ });
  t.same([plan.outside, plan.unlisted], [null, null]);
});

t.test('parents beyond the top N are counted as unlisted', async (t) => {
  const plan = planNextSteps(fixture(1));
  t.same(
    plan.commands.map((c) => c.pid),
    [100],
  );
  t.same(plan.unlisted, { parents: 2, zombies: 3 });
});

t.test(
  'a stopped parent gets a note; pid 0 is outside the namespace; an init holding zombies that stay adds a caution',
  async (t) => {
    const base = fixture();
    const s: Snapshot = {
      ...base,
      parents: [
        { ...base.parents[0]!, state: 'T' },
        { ...base.parents[0]!, pid: 0, comm: '', state: null, zombies: 3 },
        { ...base.parents[0]!, pid: 7483, comm: 'sleep', namespaceInit: true, zombies: 26, heldSeconds: 400 },
      ],
    };
    const plan = planNextSteps(s);
    t.same(
      plan.commands.map((c) => [c.pid, c.note]),
      [[100, "It is stopped (T), so it can't reap: `kill -CONT 100` lets it run again."]],
    );
    t.match(plan.caution, 'Careful: an init here holds zombies that stay');
    t.match(plan.outside, { zombies: 3, text: /outside this proc root's PID namespace/ });
    t.equal(plan.init, null, 'PID 1 holds none here');
    t.same(
      plan.namespaceInits.map((n) => [n.pid, n.zombies]),
      [[7483, 26]],
      "the container's init is apart, with its own advice",
    );
    t.match(plan.namespaceInits[0]!.text, 'ignores SIGTERM');
    t.equal(planNextSteps({ ...s, parents: [s.parents[1]!] }).caution, null, 'no command, no caution');
    t.equal(planNextSteps({ ...s, parents: [s.parents[0]!] }).caution, null, 'no init that holds zombies, no caution');
  },
);
