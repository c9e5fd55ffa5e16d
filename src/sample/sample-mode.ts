// Which way samples find zombies, decided once at start-up: event mode where the kernel lets this process follow
// exits through the proc connector and the proc root shows the pids those events carry, else the walk.

import type { SampleModeFlag } from '../cli/config.js';
import { openProcEvents, type OpenResult } from '../procfs/proc-events.js';
import type { ProcRootView } from './sample.js';

export type SampleMode = 'walk' | 'events';

export interface SampleModeDecision {
  mode: SampleMode;
  /** Why not events, when the flag allowed them (auto) or asked for them (events); undefined otherwise. */
  whyNotEvents?: string;
}

/**
 * The proc connector's events carry the initial PID namespace's pids and reach only the host's network namespace: a
 * proc root that shows another PID namespace (a container's /proc) could never match them, so it walks. `open` is
 * the probe, a real subscription closed at once (the sample worker opens its own).
 */
export function decideSampleMode(
  flag: SampleModeFlag,
  view: ProcRootView,
  open: (receiveBufferBytes: number) => OpenResult = openProcEvents,
): SampleModeDecision {
  if (flag === 'walk') return { mode: 'walk' };
  // A folder that is no proc mount (a copy, a fixture tree) shows pids that no event is about.
  if (view.hidepid === 'unknown')
    return { mode: 'walk', whyNotEvents: 'the proc root is not a proc mount this process can identify' };
  if (view.pidNamespace !== 'host') {
    return {
      mode: 'walk',
      whyNotEvents: `the proc root shows ${view.pidNamespace === 'container' ? "a container's" : 'an unknown'} PID namespace, and proc connector events carry the host's pids`,
    };
  }
  const probe = open(0);
  if (!probe.ok) return { mode: 'walk', whyNotEvents: probe.reason };
  probe.listener.close();
  return { mode: 'events' };
}
