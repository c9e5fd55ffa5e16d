// Wires the exporter daemon: checks the proc root, starts the sampler, builds the app and listens; closes in order.

import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Config } from './cli/config.js';
import { errnoText, ExporterError } from './errors.js';
import { buildApp } from './http/app.js';
import { bindListeners, type BoundListener, type ListenTarget } from './http/listeners.js';
import { ScrapeLimit } from './http/scrape-limit.js';
import { takePassedSockets } from './http/systemd-sockets.js';
import { warmUp } from './http/warm-up.js';
import type { Logger } from './log.js';
import { ExporterMetrics } from './metrics/exporter-metrics.js';
import { readHostInfo } from './metrics/host-info.js';
import { readHostFiles } from './procfs/host-files.js';
import { loadNativeStatBatch } from './procfs/native-stat-batch.js';
import { procfsViewWarning, readProcfsView } from './procfs/procfs-view.js';
import { createProcReader, type ProcReader } from './procfs/reader.js';
import { BUILD_FACTS } from './runtime/build-facts.js';
import { decideHostFacts, notAProcRoot } from './sample/host-facts.js';
import { collectionDeadlineMs, SampleWorker } from './sample/sample-worker.js';
import { decideSampleMode, type SampleModeDecision } from './sample/sample-mode.js';
import { Sampler } from './sample/sampler.js';
import { SampleHistory } from './snapshot/history.js';
import { VERSION } from './version.js';
import type { SecureServing } from './web-config/secure-serving.js';

export interface RunningExporter {
  /** How the walk reads stat files: `native` or `node` (node:fs, when the addon was not built). */
  walker: 'native' | 'node';
  /** How samples find zombies (sample-mode.ts), and why not events when they were allowed but not possible. */
  sampleMode: SampleModeDecision;
  app: FastifyInstance;
  sampler: Sampler;
  registry: Registry;
  /** The first bound address, e.g. 127.0.0.1:10070 or [::]:10070. */
  address: string;
  /** Every listener, in the order of the flags (or of the sockets systemd passed, with their fds). */
  listeners: BoundListener[];
  /**
   * Stops listening first, then sampling. Resolves `stuck` true when a collector thread is still blocked in a read:
   * process.exit() would then wait on it for good, so the caller ends the process with exitNow.
   */
  close(): Promise<{ stuck: boolean }>;
}

/**
 * Refuses a proc root that can't serve a sample (a typo, /tmp, an unmounted /host/proc) before anything starts: one
 * that can't be listed, or lists as no proc root at all. Missing host files are not refused: the samples leave out
 * what needs them (host-facts.ts).
 */
function checkProcRoot(reader: ProcReader): void {
  let pids: number;
  try {
    pids = reader.listPids().pids.length;
  } catch (err) {
    throw new ExporterError(
      'procfs',
      `--path.procfs=${reader.root}: not a usable procfs (list the proc root: ${errnoText(err)})`,
    );
  }
  const none = notAProcRoot(pids, decideHostFacts(readHostFiles(reader), Date.now()));
  if (none !== undefined)
    throw new ExporterError('procfs', `--path.procfs=${reader.root}: not a usable procfs (${none})`);
}

/**
 * Where to listen: each --web.listen-address, or each socket systemd passed. The passed sockets are taken first
 * thing, so that a unit without its .socket stops the exporter before it does anything else.
 */
function listenTargets(config: Config): ListenTarget[] {
  if (!config.systemdSocket) return config.listenAddresses.map((address) => ({ kind: 'address', address }));
  const { fds, names } = takePassedSockets(process.env, process.pid);
  return fds.map((fd, i) => ({ kind: 'fd', fd, name: names[i]! }));
}

/** Loads --web.config.file's module only when it is given (see secure-serving.ts for why). */
async function secureServing(config: Config, logger: Logger): Promise<SecureServing | undefined> {
  if (config.webConfigFile === '') return undefined;
  const { SecureServing } = await import('./web-config/secure-serving.js');
  return new SecureServing(config.webConfigFile, logger);
}

export async function serve(config: Config, logger: Logger): Promise<RunningExporter> {
  const targets = listenTargets(config);
  const web = await secureServing(config, logger);
  const reader = createProcReader(config.procfsPath);
  checkProcRoot(reader);

  const registry = new Registry();
  // The worker loads the same addon from the same place, so this is what it will use.
  const walker = loadNativeStatBatch() ? 'native' : 'node';
  const metrics = new ExporterMetrics(
    registry,
    {
      version: BUILD_FACTS.version,
      revision: BUILD_FACTS.revision,
      branch: BUILD_FACTS.branch,
      nodejsVersion: process.version,
      os: process.platform,
      arch: process.arch,
      walker,
    },
    config.sampleIntervalMs / 1000,
    Date.now,
    { processMetrics: !config.disableExporterMetrics },
  );
  void readHostInfo().then((info) => metrics.setHostInfo(info));

  // Whether this proc root shows the whole host: said once, at start, since it is a deployment choice.
  const view = readProcfsView(reader);
  metrics.setProcfsView(view);
  const warning = procfsViewWarning(view, config.procfsPath);
  const viewFields = { hidepid: view.hidepid, pid_namespace: view.pidNamespace, evidence: view.evidence };
  if (warning === undefined) logger.debug('proc root sees the host', viewFields);
  else logger.warn(warning, viewFields);

  const sampleMode = decideSampleMode(config.sampleMode, view);
  if (config.sampleMode === 'events' && sampleMode.mode !== 'events')
    throw new ExporterError('procfs', `--sample.mode=events: not possible here: ${sampleMode.whyNotEvents ?? ''}`);
  metrics.setSampleMode(sampleMode.mode);

  // Walks run in a worker_thread: a scrape never waits behind one, however many processes the host has.
  const worker = new SampleWorker(
    {
      procfsPath: config.procfsPath,
      topParents: config.topParents,
      sysfsPath: config.sysfsPath,
      cgroupsTop: config.cgroupsTop,
      pidNamespace: view.pidNamespace,
      ...(sampleMode.mode === 'events' && {
        procEvents: { receiveBufferBytes: config.eventsBufferBytes, fullWalkIntervalMs: config.fullWalkIntervalMs },
      }),
    },
    { deadlineMs: collectionDeadlineMs(config.sampleIntervalMs) },
  );
  const sampler = new Sampler({ take: () => worker.take(), intervalMs: config.sampleIntervalMs });
  const history = new SampleHistory(config.sampleIntervalMs);
  sampler.on('sample', (s) => history.record(s));
  let lastFailureMessage: string | undefined;
  // The cgroup hierarchy is found (or not) by the worker; say which once, and again only if that changes.
  let lastHierarchy: string | undefined;
  sampler.on('sample', (s) => {
    metrics.recordSample(s);
    if (s.cgroupPids !== null) {
      const h = s.cgroupPids.hierarchy;
      const now = h === null ? 'none' : `v${h.version} ${h.path}`;
      if (now !== lastHierarchy) {
        if (h === null) {
          const why = s.sourceErrors.find((e) => e.source === 'cgroups')?.message;
          logger.warn(
            'no cgroup pids controller found: cgroup PID metrics are empty (--cgroups.top=0 turns the walk off)',
            { err: why },
          );
        } else
          logger.info('walking the cgroup pids hierarchy', {
            version: h.version,
            path: h.path,
            cgroups: s.cgroupPids.cgroups,
          });
      }
      lastHierarchy = now;
    }
    if (lastFailureMessage !== undefined) logger.info('sampling recovered');
    lastFailureMessage = undefined;
    for (const e of s.sourceErrors) logger.debug('source unreadable', { source: e.source, err: e.message });
    for (const d of s.skipDetails) logger.debug('pid skipped', { pid: d.pid, reason: d.reason, err: d.detail });
  });
  sampler.on('failure', (f) => {
    metrics.recordFailure(f.source);
    // Once per distinct failure, not once per interval.
    if (f.message !== lastFailureMessage)
      logger.warn('sample failed; serving the last good sample', { source: f.source, err: f.message });
    lastFailureMessage = f.message;
  });
  sampler.start();

  const app = buildApp({
    telemetryPath: config.telemetryPath,
    sampleIntervalMs: config.sampleIntervalMs,
    version: VERSION,
    samples: sampler,
    exposition: (format) => metrics.exposition(format),
    ...(config.maxRequests > 0 && {
      scrapeLimit: new ScrapeLimit(config.maxRequests, () => metrics.recordRefusedScrape()),
    }),
    logger,
    history,
    readHeaderTimeoutMs: config.readHeaderTimeoutMs,
    ...web?.appOptions,
  });
  web?.attach(app);
  let bound: Awaited<ReturnType<typeof bindListeners>>;
  try {
    bound = await bindListeners(app, targets);
  } catch (err) {
    web?.close();
    await app.close();
    await sampler.stop();
    await worker.close();
    throw err;
  }
  // Once there is a sample to render, the scrape path is run a few times in memory so the first real scrape finds it
  // compiled (warm-up.ts). Plain and gzip, as curl and Prometheus ask. Not behind a web config: its rate limit would
  // count these requests, its basic auth refuse them, and a TLS server expects a handshake first.
  let warming: Promise<void> | undefined;
  const warm = () => {
    const path = config.telemetryPath;
    const started = performance.now();
    warming = warmUp(app.server, [{ path }, { path, gzip: true }, { path }, { path, gzip: true }]).then(
      (statuses) =>
        logger.debug('scrape path warmed up', {
          statuses: statuses.join(','),
          ms: (performance.now() - started).toFixed(1),
        }),
      // eslint-disable-next-line @typescript-eslint/use-unknown-in-catch-callback-variable -- warmUp rejects with Errors, its own or Node's HTTP server's
      (err: Error) => logger.debug('scrape path warm-up failed', { err: err.message }),
    );
  };
  if (web === undefined) {
    if (sampler.latest !== undefined) warm();
    else sampler.once('sample', warm);
  }
  return {
    walker,
    sampleMode,
    app,
    sampler,
    registry,
    address: bound.listeners[0]!.address,
    listeners: bound.listeners,
    async close() {
      web?.close();
      sampler.off('sample', warm);
      // The listener first, so nothing new arrives; requests in flight finish. Then the collection in flight is
      // failed at once rather than awaited: it may be blocked in a read that never returns.
      const listener = Promise.all([app.close(), bound.close()]);
      const sampling = sampler.stop();
      const ended = await worker.close();
      await sampling;
      await warming;
      await listener;
      return { stuck: !ended || worker.stuckThreads > 0 };
    },
  };
}
