#!/usr/bin/env -S node --max-semi-space-size=1 --single-threaded-gc --no-allocation-site-pretenuring
// CLI entry: parse flags, start the exporter (or run `inspect`), stop cleanly on SIGTERM/SIGINT; bad input is one
// line, never a stack. The shebang's flags are the exporter's node flags, and every launcher we ship passes the same
// ones (a test holds them to it); docs/performance.md has the measurements behind each:
// - --max-semi-space-size=1 caps V8's young generation: left alone it grows its semi-spaces under a burst of
//   scrapes, RSS for garbage that lives one request.
// - --single-threaded-gc keeps each isolate's GC on its own thread: with V8's helper threads the event loop could sit
//   in GC waiting for a helper that the busy walker had pushed off the CPU. A walk costs the same CPU without them.
// - --no-allocation-site-pretenuring keeps V8 from allocating straight into the old generation from sites whose
//   objects outlived a few scavenges: the series of a rendered sample live until the next one, so V8 took them for
//   long-lived and every sample's discarded series piled up in the old generation until a mark-compact.

import { once } from 'node:events';
import { helpText, parseCommandLine } from './cli/config.js';
import { versionText } from './cli/version-text.js';
import { ExporterError } from './errors.js';
import { exitNow } from './exit-now.js';
import { createLogger } from './log.js';
import { BUILD_FACTS } from './runtime/build-facts.js';
import { VERSION } from './version.js';

const PROGRAM = 'zombie-exporter';
/** SIGTERM or SIGINT to exit, at most, whatever is blocked. */
const SHUTDOWN_BOUND_MS = 5000;

function fail(message: string, exitCode: number): never {
  process.stderr.write(`${PROGRAM}: error: ${message}\n`);
  process.exit(exitCode);
}

/** `inspect` loads neither Fastify nor prom-client: a check run every minute should not pay for a server. */
async function inspect(argv: string[]): Promise<void> {
  // A reader that goes away (`inspect --watch --json | head -1`) ends the output, as for any filter: exit quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    fail(`stdout: ${err.code ?? err.message}`, 3);
  });
  const { runInspect } = await import('./inspect/run-inspect.js');
  process.exitCode = await runInspect(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare -- typed boolean, but undefined when stdout is a pipe or a file
    isTTY: process.stdout.isTTY === true,
    stopRequested: () => Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(() => undefined),
  });
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'inspect') return inspect(argv.slice(1));
  const parsed = parseCommandLine(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(helpText(PROGRAM));
    return;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(
      versionText(PROGRAM, BUILD_FACTS, {
        nodeVersion: process.version,
        platform: process.platform,
        arch: process.arch,
      }),
    );
    return;
  }
  const { config } = parsed;
  // Lines logged before the port is bound are held: a start that fails (a taken port) says one thing, its error
  // line, whatever the flags; a start that succeeds prints them, in order, before "listening".
  let held: string[] | undefined = [];
  const logger = createLogger(config.logLevel, config.logFormat, (line) => {
    if (held) held.push(line);
    else process.stderr.write(line);
  });
  const { serve } = await import('./serve.js');
  const exporter = await serve(config, logger);
  for (const line of held) process.stderr.write(line);
  held = undefined;
  if (exporter.sampleMode.whyNotEvents !== undefined)
    logger.info('sampling by walking every process: no proc connector events', {
      reason: exporter.sampleMode.whyNotEvents,
    });
  if (config.systemdSocket) logger.info('serving the sockets systemd passed, instead of --web.listen-address');
  // One line per listener, as exporter-toolkit logs "Listening on" for each: every line says all there is to know.
  for (const { address, fd, fdName } of exporter.listeners) {
    logger.info('listening', {
      address,
      fd,
      fd_name: fdName,
      telemetry_path: config.telemetryPath,
      procfs: config.procfsPath,
      interval_ms: config.sampleIntervalMs,
      walker: exporter.walker,
      sample_mode: exporter.sampleMode.mode,
      version: VERSION,
    });
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Whatever is blocked (a collection in a read that never returns, a request that never ends), the process ends
    // within the bound: a supervisor's stop, a rolling update and Ctrl-C must not hang on the exporter.
    const bound = setTimeout(() => {
      logger.warn('shutdown still not done: exiting now', { after_ms: SHUTDOWN_BOUND_MS });
      exitNow(0);
    }, SHUTDOWN_BOUND_MS);
    bound.unref();
    exporter.close().then(
      ({ stuck }) => {
        if (!stuck) process.exit(0);
        logger.warn('a collector thread is blocked in a read: exiting without it');
        exitNow(0);
      },
      (err: unknown) => fail(`shutdown: ${err instanceof Error ? err.message : String(err)}`, 1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ExporterError) fail(err.message, err.exitCode);
  fail(`unexpected: ${err instanceof Error ? err.message : String(err)}`, 1);
});
