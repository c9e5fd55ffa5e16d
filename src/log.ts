// A small structured logger in the two formats Prometheus exporters use: logfmt (go-kit style) and JSON.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['logfmt', 'json'];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

function logfmtValue(value: unknown): string {
  const s = String(value);
  return /^[^\s"=\\]+$/.test(s) ? s : JSON.stringify(s);
}

export function createLogger(
  level: LogLevel,
  format: LogFormat,
  write: (line: string) => void = (line) => process.stderr.write(line),
  now: () => Date = () => new Date(),
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    // Fields given as undefined are left out; the rest keep their order, a field named like ts, level or msg in its place.
    const all: LogFields = { ts: now().toISOString(), level: lvl, msg, ...fields };
    const record = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
    const line =
      format === 'json'
        ? JSON.stringify(record)
        : Object.entries(record)
            .map(([k, v]) => `${k}=${logfmtValue(v)}`)
            .join(' ');
    write(`${line}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}
