// Pure parser for passwd(5) text: uid -> user name, to name the owner of a leaking parent.

/**
 * Returns the name for each uid. getpwuid(3) returns the first matching entry, so the first line for a uid wins;
 * comments, blank lines and NIS `+`/`-` lines name no one and are skipped, and so are lines that are not passwd lines.
 */
export function parsePasswd(text: string): ReadonlyMap<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    if (fields.length < 7 || fields[0] === '' || !/^\d+$/.test(fields[2]!)) continue;
    const uid = Number(fields[2]);
    if (Number.isSafeInteger(uid) && !names.has(uid)) names.set(uid, fields[0]!);
  }
  return names;
}
