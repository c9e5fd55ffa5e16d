// The error vocabulary: the start-up catalogue (a code, a one-line message, an exit status), the error of an invalid
// configuration file, and the one way an errno error becomes text. Nothing a user meets is ever a stack.

export type ErrorCode =
  /** A flag is unknown, or its value is invalid. Exit 2. */
  | 'usage'
  /** --path.procfs is not a readable procfs. Exit 1. */
  | 'procfs'
  /** The listen address can't be bound. Exit 1. */
  | 'listen'
  /** --web.config.file can't be read or is invalid. Exit 1. */
  | 'web-config';

export class ExporterError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExporterError';
  }

  get exitCode(): number {
    return this.code === 'usage' ? 2 : 1;
  }
}

export const usageError = (message: string): ExporterError => new ExporterError('usage', message);

/** An invalid configuration file, or a setting in it: one line, naming the key at fault where there is one. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** The dotted key the message is about (`tls_server_config.min_version`), when the finder knows it. */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The errno name of a failed system call (`ENOENT`), or undefined when the error carries none. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What went wrong, in the fewest words that still say it: the errno name when there is one (it is what a reader of
 * a log or /healthz can look up, and it carries no path), else the error's message, else the thrown value as text.
 */
export function errnoText(err: unknown): string {
  return errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
}
