// Which way samples find zombies (src/sample/sample-mode.ts): events only where they can match what the proc root
// shows and the kernel lets this process listen; the probe's listener is closed again.

import t from 'tap';
import type { OpenResult } from '../../src/procfs/proc-events.js';
import { decideSampleMode } from '../../src/sample/sample-mode.js';
import type { ProcRootView } from '../../src/sample/sample.js';

const host: ProcRootView = { hidepid: 'off', pidNamespace: 'host' };
/** A probe that opens (`ok`) or refuses with the reason given. */
function probe(result: string) {
  const calls = { opened: 0, closed: 0 };
  const open = (): OpenResult => {
    calls.opened++;
    return result === 'ok'
      ? {
          ok: true,
          listener: {
            drain: () => ({ lost: 0, overflows: 0 }),
            close: () => {
              calls.closed++;
            },
          },
        }
      : { ok: false, reason: result };
  };
  return { open, calls };
}

t.test('auto: events on the host when the kernel allows, the probe closed', async (t) => {
  const p = probe('ok');
  t.same(decideSampleMode('auto', host, p.open), { mode: 'events' });
  t.same(p.calls, { opened: 1, closed: 1 });
});

t.test('walk never listens', async (t) => {
  const p = probe('ok');
  t.same(decideSampleMode('walk', host, p.open), { mode: 'walk' });
  t.equal(p.calls.opened, 0);
});

t.test('why not events: a container view, an unknown one, a folder that is no proc mount, a refusal', async (t) => {
  for (const [view, why] of [
    [{ hidepid: 'off', pidNamespace: 'container' }, /a container's PID namespace/],
    [{ hidepid: 'invisible', pidNamespace: 'unknown' }, /an unknown PID namespace/],
    [{ hidepid: 'unknown', pidNamespace: 'host' }, /not a proc mount/],
  ] as const) {
    const p = probe('ok');
    const d = decideSampleMode('events', view, p.open);
    t.equal(d.mode, 'walk');
    t.match(d.whyNotEvents, why);
    t.equal(p.calls.opened, 0, 'no subscription where events could not match');
  }
  const refused = probe('the kernel refused the proc connector subscription (EPERM)');
  t.same(decideSampleMode('auto', host, refused.open), {
    mode: 'walk',
    whyNotEvents: 'the kernel refused the proc connector subscription (EPERM)',
  });
});
