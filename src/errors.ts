// The error catalogue: every error a user can meet at start-up has a code and a one-line message, never a stack.

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
