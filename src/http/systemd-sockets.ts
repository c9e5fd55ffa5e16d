// The sockets systemd passes a socket-activated service (sd_listen_fds(3)): LISTEN_FDS of them from fd 3, meant for
// the process LISTEN_PID names. Read the way go-systemd's activation.Files reads them for exporter-toolkit's
// --web.systemd-socket, except that where it returns no sockets (and the exporter stops with "no socket activation
// file descriptors found") this says which of the two variables is why.

import { ExporterError } from '../errors.js';

/** sd_listen_fds(3): passed sockets start at SD_LISTEN_FDS_START, right after stdin, stdout and stderr. */
export const SD_LISTEN_FDS_START = 3;

/** Far more sockets than a unit declares; a count past it is a corrupt variable, not a socket unit. */
const MAX_FDS = 1024;

/** What the environment says about passed sockets; the variables are unset once read. */
export interface PassedSockets {
  /** The file descriptors, in the order of the unit's Listen*= lines. */
  fds: number[];
  /** LISTEN_FDNAMES (FileDescriptorName=), one per fd; `unknown` where systemd gave none. */
  names: string[];
}

const fail = (why: string): ExporterError => new ExporterError('listen', `--web.systemd-socket: ${why}`);

/**
 * The sockets passed to this process, or a one-line error: none passed (started outside a .socket unit), or passed to
 * another process (a wrapper that forked). Unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, as sd_listen_fds(1)
 * does, so nothing this process starts takes them for its own.
 */
export function takePassedSockets(env: NodeJS.ProcessEnv, pid: number): PassedSockets {
  const { LISTEN_PID: pidText, LISTEN_FDS: countText, LISTEN_FDNAMES: namesText } = env;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (countText === undefined || pidText === undefined) {
    throw fail(
      `no socket activation file descriptors found (${countText === undefined ? 'LISTEN_FDS' : 'LISTEN_PID'} is not set: start the exporter from a .socket unit, e.g. deploy/systemd/zombie-exporter.socket)`,
    );
  }
  if (pidText !== String(pid)) {
    throw fail(
      `the sockets were passed to pid ${pidText} (LISTEN_PID), not to this process (pid ${pid}): run the exporter directly from the unit, not under a wrapper that forks`,
    );
  }
  const count = /^\d+$/.test(countText) ? Number(countText) : NaN;
  if (!(count >= 0 && count <= MAX_FDS)) throw fail(`LISTEN_FDS="${countText}" is not a count of sockets`);
  if (count === 0) throw fail('no socket activation file descriptors found (LISTEN_FDS=0)');
  const fds = Array.from({ length: count }, (_, i) => SD_LISTEN_FDS_START + i);
  const given = namesText === undefined ? [] : namesText.split(':');
  return { fds, names: fds.map((_, i) => given[i] || 'unknown') };
}
