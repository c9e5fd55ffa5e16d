// Runs `inspect`: one look (table, JSON or check line) or --watch; returns the exit code and never kills anything.

import { ExporterError } from '../errors.js';
import { readProcfsView } from '../procfs/procfs-view.js';
import { createProcReader } from '../procfs/reader.js';
import { SourceFailure } from '../sample/sample.js';
import { createSampleTaker, type SampleTaker } from '../sample/take-sample.js';
import { toSnapshot, type Snapshot } from '../snapshot/snapshot.js';
import { EXIT_CODES, evaluateCheck, hasThresholds, unknownLine } from './check.js';
import { inspectHelpText, parseInspectCommandLine, wantsCheck, type InspectOptions } from './inspect-config.js';
import { renderTable } from './render-table.js';

export interface InspectIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal: --watch redraws in place only there. */
  isTTY: boolean;
  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM); --watch ends then. */
  stopRequested(): Promise<void>;
}

const PROGRAM = 'zombie-exporter';
/** Home the cursor and clear the screen: each frame replaces the last, as watch(1) does. */
export const CLEAR_SCREEN = '\x1b[H\x1b[2J';

function look(taker: SampleTaker, procfsPath: string): { snapshot: Snapshot } | { error: string } {
  try {
    return { snapshot: toSnapshot(taker.take()) };
  } catch (err) {
    const why = err instanceof SourceFailure ? err.message : err instanceof Error ? err.message : String(err);
    return { error: `--path.procfs=${procfsPath}: cannot read the proc root (${why})` };
  }
}

async function watch(options: InspectOptions, taker: SampleTaker, io: InspectIo): Promise<number> {
  const intervalMs = options.watchMs!;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = io.stopRequested().then(() => {
    stopped = true;
    clearTimeout(timer);
  });
  const frame = (): void => {
    const startedMs = Date.now();
    const r = look(taker, options.procfsPath);
    if ('error' in r) io.stderr(`${PROGRAM}: error: ${r.error}\n`);
    else if (options.json) io.stdout(`${JSON.stringify(r.snapshot)}\n`);
    else {
      const table = renderTable(r.snapshot, { procfsPath: options.procfsPath, watchMs: intervalMs });
      // Off a terminal (a pipe, a log) there is no screen to clear: frames follow each other, a blank line apart.
      io.stdout(io.isTTY ? `${CLEAR_SCREEN}${table}` : `${table}\n`);
    }
    if (!stopped) timer = setTimeout(frame, Math.max(0, startedMs + intervalMs - Date.now()));
  };
  frame();
  await stop;
  return EXIT_CODES.OK;
}

/** Runs inspect with argv after the word `inspect`; resolves with the process's exit code. */
export async function runInspect(argv: readonly string[], io: InspectIo): Promise<number> {
  let options: InspectOptions;
  try {
    const parsed = parseInspectCommandLine(argv);
    if (parsed.kind === 'help') {
      io.stdout(inspectHelpText(PROGRAM));
      return EXIT_CODES.OK;
    }
    options = parsed.options;
  } catch (err) {
    if (!(err instanceof ExporterError)) throw err;
    // A check that can't run is UNKNOWN, never a WARNING or CRITICAL it did not find; the monitor reads stdout.
    if (wantsCheck(argv)) io.stdout(`${unknownLine(err.message)}\n`);
    io.stderr(`${PROGRAM}: error: ${err.message}\n`);
    return EXIT_CODES.UNKNOWN;
  }

  const reader = createProcReader(options.procfsPath);
  // The PID frame needs to know whose namespace the root shows, as the daemon learns at start-up.
  const taker = createSampleTaker({
    reader,
    topParents: options.topParents,
    pidNamespace: readProcfsView(reader).pidNamespace,
  });
  if (options.watchMs !== null) return watch(options, taker, io);

  const r = look(taker, options.procfsPath);
  if (hasThresholds(options.thresholds)) {
    if ('error' in r) {
      io.stdout(`${unknownLine(r.error)}\n`);
      return EXIT_CODES.UNKNOWN;
    }
    const result = evaluateCheck(r.snapshot, options.thresholds);
    io.stdout(`${result.line}\n`);
    return result.exitCode;
  }
  if ('error' in r) {
    io.stderr(`${PROGRAM}: error: ${r.error}\n`);
    return EXIT_CODES.UNKNOWN;
  }
  io.stdout(
    options.json
      ? `${JSON.stringify(r.snapshot, null, 2)}\n`
      : renderTable(r.snapshot, { procfsPath: options.procfsPath, watchMs: null }),
  );
  return EXIT_CODES.OK;
}
