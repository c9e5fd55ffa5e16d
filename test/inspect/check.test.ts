import t from 'tap';
import { evaluateCheck, hasThresholds, unknownLine } from '../../src/inspect/check.js';
import { createProcReader } from '../../src/procfs/reader.js';
import { createSampleTaker } from '../../src/sample/take-sample.js';
import { toSnapshot, type Snapshot } from '../../src/snapshot/snapshot.js';
import { ZOMBIE_TREE } from '../helpers/fixtures.js';

// The fixture: 9 zombies, most (4) under pid 100 (bash); 412 PIDs of 30000 (1.37%).
const fixture = toSnapshot(createSampleTaker({ reader: createProcReader(ZOMBIE_TREE), topParents: 10 }).take());

t.test('levels are crossed strictly above the threshold, as Nagios reads "N"', async (t) => {
  const cases: [Parameters<typeof evaluateCheck>[1], string, number][] = [
    [{ warnZombies: 9 }, 'OK', 0],
    [{ warnZombies: 8 }, 'WARNING', 1],
    [{ warnZombies: 5, critZombies: 9 }, 'WARNING', 1],
    [{ warnZombies: 5, critZombies: 8 }, 'CRITICAL', 2],
    [{ critZombies: 0 }, 'CRITICAL', 2],
    [{ warnPidUsage: 0.0138 }, 'OK', 0],
    [{ warnPidUsage: 0.0137 }, 'WARNING', 1],
    [{ critPidUsage: 0.01 }, 'CRITICAL', 2],
    [{ warnZombies: 100, critPidUsage: 0.01 }, 'CRITICAL', 2],
    [{ warnZombies: 1, critPidUsage: 0.9 }, 'WARNING', 1],
  ];
  for (const [thresholds, status, code] of cases) {
    const r = evaluateCheck(fixture, thresholds);
    t.same([r.status, r.exitCode], [status, code], JSON.stringify(thresholds));
  }
});

t.test('one line: status, what crossed, the worst parent, and perfdata', async (t) => {
  t.equal(
    evaluateCheck(fixture, { warnZombies: 5, critZombies: 20, warnPidUsage: 0.85, critPidUsage: 0.95 }).line,
    'WARNING - 9 zombies (> 5), most under pid 100 (bash): 4; PIDs 412/30000 (1.4%) | zombies=9;5;20;0; pid_usage=1.37%;85;95;0;100 pids_in_use=412;;;0;30000',
  );
  t.equal(
    evaluateCheck(fixture, { critPidUsage: 0.01 }).line,
    'CRITICAL - PIDs 412/30000 (1.4%) (> 1.0%); 9 zombies, most under pid 100 (bash): 4 | zombies=9;;;0; pid_usage=1.37%;;1;0;100 pids_in_use=412;;;0;30000',
    'PID usage crossed: it goes first',
  );
  const none: Snapshot = { ...fixture, zombies: { ...fixture.zombies, total: 0 }, parents: [] };
  t.equal(
    evaluateCheck(none, { warnZombies: 0 }).line,
    'OK - 0 zombies; PIDs 412/30000 (1.4%) | zombies=0;0;;0; pid_usage=1.37%;;;0;100 pids_in_use=412;;;0;30000',
  );
  const one: Snapshot = {
    ...fixture,
    zombies: { ...fixture.zombies, total: 1 },
    parents: [{ ...fixture.parents[0]!, zombies: 1 }],
  };
  t.match(evaluateCheck(one, { warnZombies: 0 }).line, /^WARNING - 1 zombie \(> 0\)/);
});

t.test(
  'PID usage unknown (no pid_max): UNKNOWN only when PID levels were asked for, never above a crossed one',
  async (t) => {
    const unknown: Snapshot = {
      ...fixture,
      pids: { ...fixture.pids, limit: null, limitedBy: null, usage: null, unknown: ['pid_max'], pidMax: null },
    };
    const cases: [Parameters<typeof evaluateCheck>[1], string, number][] = [
      [{ warnZombies: 100 }, 'OK', 0],
      [{ warnZombies: 5 }, 'WARNING', 1],
      [{ warnPidUsage: 0.85 }, 'UNKNOWN', 3],
      [{ warnZombies: 100, critPidUsage: 0.95 }, 'UNKNOWN', 3],
      [{ warnZombies: 5, critPidUsage: 0.95 }, 'WARNING', 1],
      [{ critZombies: 5, warnPidUsage: 0.85 }, 'CRITICAL', 2],
    ];
    for (const [thresholds, status, code] of cases) {
      const r = evaluateCheck(unknown, thresholds);
      t.same([r.status, r.exitCode], [status, code], JSON.stringify(thresholds));
    }
    t.equal(
      evaluateCheck(unknown, { warnZombies: 100, warnPidUsage: 0.85 }).line,
      'UNKNOWN - PID usage unknown: pid_max unreadable; 9 zombies, most under pid 100 (bash): 4 | zombies=9;100;;0; pid_usage=U;85;;0;100 pids_in_use=412;;;0;',
      'the unknown part first; U where the value could not be determined',
    );
    const noLoadavg: Snapshot = { ...unknown, pids: { ...unknown.pids, inUse: null, unknown: ['loadavg', 'pid_max'] } };
    t.match(
      evaluateCheck(noLoadavg, { warnZombies: 5 }).line,
      /^WARNING - 9 zombies \(> 5\), most under pid 100 \(bash\): 4; PID usage unknown: loadavg and pid_max unreadable \| .* pids_in_use=U;;;0;$/,
    );
  },
);

t.test('a hostile comm cannot break the line or forge perfdata', async (t) => {
  const hostile: Snapshot = { ...fixture, parents: [{ ...fixture.parents[0]!, comm: 'x|y=1\nOK - \x1b[2J' }] };
  const line = evaluateCheck(hostile, { critZombies: 0 }).line;
  t.equal(line.split('\n').length, 1);
  t.equal(line.split('|').length, 2, 'one | only: where perfdata starts');
  t.match(line, 'most under pid 100 (x\\x7cy=1\\x0aOK - \\x1b[2J): 4');
  t.equal(unknownLine('bad | thing\nhere'), 'UNKNOWN - bad \\x7c thing\\x0ahere');
});

t.test('hasThresholds', async (t) => {
  t.equal(hasThresholds({}), false);
  t.equal(hasThresholds({ critPidUsage: 0 }), true, 'a threshold of 0 is a threshold');
  t.equal(hasThresholds({ warnZombies: 0 }), true);
});
