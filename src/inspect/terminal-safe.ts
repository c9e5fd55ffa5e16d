// Makes process-chosen text (comm, cgroup paths) safe to print: a comm can hold escape sequences that would drive
// the terminal, newlines that would forge table rows, and bidi controls that would reorder what is shown.

// C0 controls, DEL and C1 controls; the line and paragraph separators; bidi marks, embeddings, overrides, isolates.
// eslint-disable-next-line no-control-regex -- matching control characters is what this regex is for
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Escapes each unsafe character as \xNN or \uNNNN (and the backslash itself), so the output is unambiguous. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
