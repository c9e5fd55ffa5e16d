// One wording for node:util parseArgs failures, shared by the daemon's flags and inspect's.

/** Turns a parseArgs error into one line naming the flag, ending with where help is (e.g. `--help`). */
export function describeFlagError(err: unknown, helpHint: string): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted}, try ${helpHint}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // The one error code covers a switch given a value (`--switch=yes`) and a flag missing its value.
      if ((e.message ?? '').includes('does not take an argument'))
        return `flag ${quoted.split(' ')[0]} is a switch and takes no value, try ${helpHint}`;
      return `flag ${quoted.split(' ')[0]} needs a value, try ${helpHint}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}, try ${helpHint}`;
    default:
      return e.message ?? String(err);
  }
}
