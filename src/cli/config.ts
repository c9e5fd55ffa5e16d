// Command-line flags -> a frozen Config, with Prometheus exporter flag names and a one-line error for bad input.

import { parseArgs } from 'node:util';
import { usageError } from '../errors.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log.js';
import { parseDuration } from './duration.js';
import { describeFlagError } from './flag-errors.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';

export type ConfiguredAddress = Readonly<ListenAddress> & { readonly text: string };

export interface Config {
  /** Every --web.listen-address, in the order given; each is served. */
  readonly listenAddresses: readonly ConfiguredAddress[];
  /** The first of listenAddresses: what a deployment with one address names. */
  readonly listenAddress: ConfiguredAddress;
  /** --web.systemd-socket: serve the sockets systemd passes (LISTEN_FDS) instead of listenAddresses. */
  readonly systemdSocket: boolean;
  /** --web.max-requests: scrapes of the telemetry path served at once, beyond which they get 503; 0 for no limit. */
  readonly maxRequests: number;
  /** --web.disable-exporter-metrics: leave out the exporter process's own process_* and nodejs_* families. */
  readonly disableExporterMetrics: boolean;
  readonly telemetryPath: string;
  readonly procfsPath: string;
  readonly sysfsPath: string;
  readonly sampleIntervalMs: number;
  /** --sample.mode: auto (events where the kernel allows, else walk), walk, or events (refuse to start without). */
  readonly sampleMode: SampleModeFlag;
  /** --sample.full-walk-interval: in event mode, how often to walk every process anyway (the counts by state). */
  readonly fullWalkIntervalMs: number;
  /** --sample.events-buffer-bytes: the proc connector socket's receive buffer in event mode. */
  readonly eventsBufferBytes: number;
  readonly topParents: number;
  readonly cgroupsTop: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** exporter-toolkit web config (TLS, basic auth, headers); empty for none. */
  readonly webConfigFile: string;
  readonly readHeaderTimeoutMs: number;
}

export const SAMPLE_MODES = ['auto', 'walk', 'events'] as const;
export type SampleModeFlag = (typeof SAMPLE_MODES)[number];

/** A flag that takes a value; `multiple` ones may be repeated, and every value counts (kingpin's Strings()). */
interface ValueFlagSpec {
  default: string;
  placeholder: string;
  help: string;
  multiple?: true;
}

/** A switch: given means on (kingpin's Bool(), which also takes `--no-<name>` for off). */
interface SwitchFlagSpec {
  switch: true;
  help: string;
}

type FlagSpec = ValueFlagSpec | SwitchFlagSpec;

/** Every flag, in --help order. Names and defaults follow node_exporter's (`--web.*`, `--path.*`, `--log.*`). */
export const FLAGS = {
  'web.listen-address': {
    default: ':10070',
    placeholder: 'ADDR',
    help: 'Address to listen on for metrics and the web pages; repeat the flag to listen on several.',
    multiple: true,
  },
  'web.systemd-socket': {
    switch: true,
    help: 'Serve the sockets systemd passes (socket activation, LISTEN_FDS) instead of --web.listen-address.',
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
  'web.max-requests': {
    default: '40',
    placeholder: 'N',
    help: 'Most scrapes of the telemetry path served at once; more are answered 503. 0: no limit.',
  },
  'web.disable-exporter-metrics': {
    switch: true,
    help: "Leave out the exporter process's own metrics (process_*, nodejs_*).",
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
  'sample.mode': {
    default: 'auto',
    placeholder: 'MODE',
    help: "How samples find zombies: walk (every /proc/PID/stat each sample), events (the kernel's proc connector: a sample reads only what exited and the zombies known), or auto (events where the kernel allows it, else walk).",
  },
  'sample.full-walk-interval': {
    default: '1m',
    placeholder: 'DURATION',
    help: 'In event mode, how often a sample walks every process anyway, for the counts by state (and after lost events, always).',
  },
  'sample.events-buffer-bytes': {
    default: String(8 * 1024 * 1024),
    placeholder: 'BYTES',
    help: "In event mode, the proc connector socket's receive buffer: what it holds between two reads (every 100 ms) before events are lost and a full walk resynchronises. Past net.core.rmem_max only as root (CAP_NET_ADMIN).",
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
/** Far more than any scrape fleet sends one exporter at once; a typo past it is a typo. */
const MAX_MAX_REQUESTS = 100_000;
const MAX_TOP_PARENTS = 1000;
const MAX_CGROUPS_TOP = 1000;

export type ParsedCommandLine = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Config };

/** The text of one flag's left column, e.g. `--web.listen-address=ADDR ...`. */
function flagColumn(name: string, spec: FlagSpec): string {
  if ('switch' in spec) return `      --[no-]${name}`;
  return `      --${name}=${spec.placeholder}${spec.multiple === true ? ' ...' : ''}`;
}

export function helpText(program: string): string {
  const rows: [string, string][] = [
    ['  -h, --help', 'Show this help and exit.'],
    ['      --version', 'Show the version and exit.'],
    ...(Object.entries(FLAGS) as [FlagName, FlagSpec][]).map(([name, spec]): [string, string] => [
      flagColumn(name, spec),
      'switch' in spec || spec.default === '' ? spec.help : `${spec.help} Default: ${spec.default}`,
    ]),
  ];
  // The text column starts two spaces past the longest flag, so no flag ever runs into its text.
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const row = (left: string, text: string) => `${left.padEnd(width)}${text}`;
  const lines = [
    `usage: ${program} [<flags>]`,
    `       ${program} inspect [<flags>]`,
    '',
    'Prometheus exporter for Linux zombie processes and PID exhaustion.',
    '',
    'Commands:',
    row('  inspect', 'One look at zombies, their parents and PID usage, in a terminal, as JSON, or as a'),
    row('', 'Nagios-style check; never kills anything. See: inspect --help'),
    '',
    'Flags:',
    ...rows.map(([flag, text]) => row(flag, text)),
  ];
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

/** Every --web.listen-address, each valid and none given twice (the second could only fail to bind). */
function parseListenAddresses(texts: readonly string[]): readonly ConfiguredAddress[] {
  const seen = new Set<string>();
  const parsed = texts.map((text) => {
    const address = parseListenAddress(text);
    if (!address) throw usageError(`--web.listen-address: invalid address "${text}" (want host:port or :port)`);
    const key = `${address.host.toLowerCase()}:${address.port}`;
    if (seen.has(key) && address.port !== 0) throw usageError(`--web.listen-address: "${text}" is given twice`);
    seen.add(key);
    return Object.freeze({ ...address, text });
  });
  return Object.freeze(parsed);
}

/** Parses argv (without node and the script); throws an ExporterError with code 'usage' on bad input. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        ...Object.fromEntries(
          (Object.entries(FLAGS) as [FlagName, FlagSpec][]).map(([name, spec]) => [
            name,
            'switch' in spec
              ? { type: 'boolean' as const }
              : { type: 'string' as const, multiple: spec.multiple === true },
          ]),
        ),
      },
    }));
  } catch (err) {
    throw usageError(describeFlagError(err, '--help'));
  }
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  type ValueFlag = { [K in FlagName]: (typeof FLAGS)[K] extends SwitchFlagSpec ? never : K }[FlagName];
  // A flag given more than once that is not `multiple` keeps its last value (kingpin would refuse it): a launcher
  // may append an override to the flags it was given.
  const getAll = (name: ValueFlag): string[] => {
    const v = values[name] as string | string[] | undefined;
    return v === undefined ? [FLAGS[name].default] : typeof v === 'string' ? [v] : v;
  };
  const get = (name: ValueFlag): string => getAll(name).at(-1)!;
  const on = (name: Exclude<FlagName, ValueFlag>): boolean => values[name] === true;

  const listenAddresses = parseListenAddresses(getAll('web.listen-address'));

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

  const sampleMode = oneOf('sample.mode', get('sample.mode'), SAMPLE_MODES);
  const fullWalkText = get('sample.full-walk-interval');
  const fullWalkIntervalMs = parseDuration(fullWalkText);
  // One shorter than --sample.interval makes every sample a full walk: event mode then only dates exits exactly.
  if (fullWalkIntervalMs === undefined || fullWalkIntervalMs < MIN_INTERVAL_MS) {
    throw usageError(
      `--sample.full-walk-interval: invalid duration "${fullWalkText}" (want e.g. 1m, at least ${MIN_INTERVAL_MS}ms)`,
    );
  }

  const bufferText = get('sample.events-buffer-bytes');
  const eventsBufferBytes = /^\d+$/.test(bufferText) ? Number(bufferText) : NaN;
  if (!(eventsBufferBytes >= 4096 && eventsBufferBytes <= 1 << 30)) {
    throw usageError(
      `--sample.events-buffer-bytes: invalid value "${bufferText}" (want a number of bytes from 4096 to 1073741824)`,
    );
  }

  const headerTimeoutText = get('web.read-header-timeout');
  const readHeaderTimeoutMs = parseDuration(headerTimeoutText);
  if (readHeaderTimeoutMs === undefined || readHeaderTimeoutMs < 100 || readHeaderTimeoutMs > 3_600_000) {
    throw usageError(`--web.read-header-timeout: invalid duration "${headerTimeoutText}" (want 100ms to 1h, e.g. 10s)`);
  }

  const topParents = parseTopParents(get('zombies.top-parents'));

  const maxRequestsText = get('web.max-requests');
  const maxRequests = /^\d+$/.test(maxRequestsText) ? Number(maxRequestsText) : NaN;
  if (!(maxRequests >= 0 && maxRequests <= MAX_MAX_REQUESTS)) {
    throw usageError(
      `--web.max-requests: invalid value "${maxRequestsText}" (want an integer from 0, no limit, to ${MAX_MAX_REQUESTS})`,
    );
  }

  const cgroupsText = get('cgroups.top');
  const cgroupsTop = /^\d+$/.test(cgroupsText) ? Number(cgroupsText) : NaN;
  if (!(cgroupsTop >= 0 && cgroupsTop <= MAX_CGROUPS_TOP)) {
    throw usageError(`--cgroups.top: invalid value "${cgroupsText}" (want an integer from 0 to ${MAX_CGROUPS_TOP})`);
  }

  return {
    kind: 'run',
    config: Object.freeze({
      listenAddresses,
      listenAddress: listenAddresses[0]!,
      systemdSocket: on('web.systemd-socket'),
      maxRequests,
      disableExporterMetrics: on('web.disable-exporter-metrics'),
      telemetryPath,
      procfsPath,
      sysfsPath,
      sampleIntervalMs,
      sampleMode,
      fullWalkIntervalMs,
      eventsBufferBytes,
      topParents,
      cgroupsTop,
      logLevel: oneOf('log.level', get('log.level'), LOG_LEVELS),
      logFormat: oneOf('log.format', get('log.format'), LOG_FORMATS),
      webConfigFile: get('web.config.file'),
      readHeaderTimeoutMs,
    }),
  };
}
