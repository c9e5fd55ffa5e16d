// Command-line flags -> a frozen Config, with Prometheus exporter flag names and a one-line error for bad input.

import { parseArgs } from 'node:util';
import { usageError } from '../errors.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log.js';
import { parseDuration } from './duration.js';
import { describeFlagError } from './flag-errors.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';

export interface Config {
  readonly listenAddress: Readonly<ListenAddress> & { readonly text: string };
  readonly telemetryPath: string;
  readonly procfsPath: string;
  readonly sysfsPath: string;
  readonly sampleIntervalMs: number;
  readonly topParents: number;
  readonly cgroupsTop: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** exporter-toolkit web config (TLS, basic auth, headers); empty for none. */
  readonly webConfigFile: string;
  readonly readHeaderTimeoutMs: number;
}

interface FlagSpec {
  default: string;
  placeholder: string;
  help: string;
}

/** Every flag, in --help order. Names follow node_exporter's (`--web.*`, `--path.*`, `--log.*`). */
export const FLAGS = {
  'web.listen-address': {
    default: ':10070',
    placeholder: 'ADDR',
    help: 'Address to listen on for metrics and the web pages.',
  },
  'web.telemetry-path': { default: '/metrics', placeholder: 'PATH', help: 'Path under which to expose metrics.' },
  'web.config.file': {
    default: '',
    placeholder: 'FILE',
    help: 'Path to an exporter-toolkit web config (TLS, basic auth, headers), re-read when it changes. Empty: plain HTTP, no auth.',
  },
  'web.read-header-timeout': {
    default: '10s',
    placeholder: 'DURATION',
    help: 'How long a client may take to connect (TLS handshake) and send its request headers before it is cut off.',
  },
  'path.procfs': { default: '/proc', placeholder: 'DIR', help: 'procfs mountpoint (e.g. /host/proc in a container).' },
  'path.sysfs': {
    default: '/sys',
    placeholder: 'DIR',
    help: 'sysfs mountpoint, for the cgroup pids controller (e.g. /host/sys in a container).',
  },
  'sample.interval': {
    default: '5s',
    placeholder: 'DURATION',
    help: 'How often to walk the proc root (Go duration: 500ms, 5s, 1m). Scrapes read the last sample.',
  },
  'zombies.top-parents': {
    default: '10',
    placeholder: 'N',
    help: 'Parents with the most zombies that get their own series (0-1000); PID 1 always does, the rest sum into "other".',
  },
  'cgroups.top': {
    default: '20',
    placeholder: 'N',
    help: 'Cgroups closest to their PID limit, and cgroups with the most zombies, that get their own series (0-1000; 0 turns the cgroup walk off); cgroups that refused forks are added, at most N.',
  },
  'log.level': {
    default: 'info',
    placeholder: 'LEVEL',
    help: `Only log at or above this level: ${LOG_LEVELS.join(', ')}.`,
  },
  'log.format': { default: 'logfmt', placeholder: 'FORMAT', help: `Log format: ${LOG_FORMATS.join(', ')}.` },
} satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

const MIN_INTERVAL_MS = 10;
const MAX_TOP_PARENTS = 1000;
const MAX_CGROUPS_TOP = 1000;

export type ParsedCommandLine = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Config };

export function helpText(program: string): string {
  const lines = [
    `usage: ${program} [<flags>]`,
    `       ${program} inspect [<flags>]`,
    '',
    'Prometheus exporter for Linux zombie processes and PID exhaustion.',
    '',
    'Commands:',
    '  inspect                        One look at zombies, their parents and PID usage, in a terminal, as JSON, or as a',
    '                                 Nagios-style check; never kills anything. See: inspect --help',
    '',
    'Flags:',
  ];
  lines.push('  -h, --help                     Show this help and exit.');
  lines.push('      --version                  Show the version and exit.');
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    const flag = `      --${name}=${spec.placeholder}`;
    lines.push(`${flag.padEnd(33)}${spec.help} Default: ${spec.default}`);
  }
  return `${lines.join('\n')}\n`;
}

/** --zombies.top-parents, which the daemon and inspect both take. */
export function parseTopParents(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= MAX_TOP_PARENTS))
    throw usageError(`--zombies.top-parents: invalid value "${text}" (want an integer from 0 to ${MAX_TOP_PARENTS})`);
  return n;
}

function oneOf<T extends string>(flag: FlagName, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw usageError(`--${flag}: invalid value "${value}" (one of ${allowed.join(', ')})`);
}

/** Parses argv (without node and the script); throws an ExporterError with code 'usage' on bad input. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        ...Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'string' as const }])),
      },
    }));
  } catch (err) {
    throw usageError(describeFlagError(err, '--help'));
  }
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  const get = (name: FlagName): string => (values[name] as string | undefined) ?? FLAGS[name].default;

  const addressText = get('web.listen-address');
  const listenAddress = parseListenAddress(addressText);
  if (!listenAddress)
    throw usageError(`--web.listen-address: invalid address "${addressText}" (want host:port or :port)`);

  const telemetryPath = get('web.telemetry-path');
  if (
    !/^\/[\w\-./]*$/.test(telemetryPath) ||
    telemetryPath === '/' ||
    telemetryPath === '/healthz' ||
    telemetryPath.startsWith('/api/')
  ) {
    throw usageError(
      `--web.telemetry-path: invalid path "${telemetryPath}" (want an absolute path other than /, /healthz and /api/...)`,
    );
  }

  const procfsPath = get('path.procfs');
  if (procfsPath.length === 0) throw usageError('--path.procfs: empty path');
  const sysfsPath = get('path.sysfs');
  if (sysfsPath.length === 0) throw usageError('--path.sysfs: empty path');

  const intervalText = get('sample.interval');
  const sampleIntervalMs = parseDuration(intervalText);
  if (sampleIntervalMs === undefined) {
    throw usageError(`--sample.interval: invalid duration "${intervalText}" (want e.g. 500ms, 5s, 1m)`);
  }
  if (sampleIntervalMs < MIN_INTERVAL_MS) {
    throw usageError(`--sample.interval: ${intervalText} is below the minimum of ${MIN_INTERVAL_MS}ms`);
  }

  const headerTimeoutText = get('web.read-header-timeout');
  const readHeaderTimeoutMs = parseDuration(headerTimeoutText);
  if (readHeaderTimeoutMs === undefined || readHeaderTimeoutMs < 100 || readHeaderTimeoutMs > 3_600_000) {
    throw usageError(`--web.read-header-timeout: invalid duration "${headerTimeoutText}" (want 100ms to 1h, e.g. 10s)`);
  }

  const topParents = parseTopParents(get('zombies.top-parents'));

  const cgroupsText = get('cgroups.top');
  const cgroupsTop = /^\d+$/.test(cgroupsText) ? Number(cgroupsText) : NaN;
  if (!(cgroupsTop >= 0 && cgroupsTop <= MAX_CGROUPS_TOP)) {
    throw usageError(`--cgroups.top: invalid value "${cgroupsText}" (want an integer from 0 to ${MAX_CGROUPS_TOP})`);
  }

  return {
    kind: 'run',
    config: Object.freeze({
      listenAddress: Object.freeze({ ...listenAddress, text: addressText }),
      telemetryPath,
      procfsPath,
      sysfsPath,
      sampleIntervalMs,
      topParents,
      cgroupsTop,
      logLevel: oneOf('log.level', get('log.level'), LOG_LEVELS),
      logFormat: oneOf('log.format', get('log.format'), LOG_FORMATS),
      webConfigFile: get('web.config.file'),
      readHeaderTimeoutMs,
    }),
  };
}
