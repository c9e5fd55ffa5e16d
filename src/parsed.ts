// The one result shape of every parser of a kernel file: the value, or why the text is not what the kernel writes.

/**
 * Parsers never throw: a file that is junk is an expected input (a hostile process, a fixture, a kernel that writes
 * something new), and the caller decides what a failure costs (a skipped pid, a missing series, a failed sample).
 * `F` narrows the failure where the set is bounded and ends up in a label or a skip detail.
 */
export type Parsed<T, F extends string = string> = { ok: true; value: T } | { ok: false; failure: F };
