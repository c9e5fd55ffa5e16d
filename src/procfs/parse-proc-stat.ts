// Pure parser for the `processes` line of /proc/stat: forks (clone() calls, threads included) since boot.

export type ForksParseResult = { ok: true; forks: number } | { ok: false; failure: string };

export function parseForks(text: string): ForksParseResult {
  const m = /^processes (\d+)$/m.exec(text);
  if (!m) return { ok: false, failure: 'no processes line' };
  const forks = Number(m[1]);
  return Number.isSafeInteger(forks) ? { ok: true, forks } : { ok: false, failure: 'number out of range' };
}
