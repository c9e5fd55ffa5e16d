// Re-reads --web.config.file and the files it names when they change (inotify, plus a periodic check for what
// inotify misses), applies a valid change, and reports an invalid one, saying why once, until the files change again.

import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, errnoCode, errnoText } from '../errors.js';
import type { Logger } from '../log.js';
import { loadWebConfig, parseWebConfigText, referencedFiles, type WebConfig } from './load-web-config.js';

/** Often enough that a rotated certificate is served within seconds; reading three small files costs microseconds. */
export const WEB_CONFIG_POLL_MS = 5000;
/** Editors and cert tools write in several steps (write, rename, chmod): act once they settle. */
const SETTLE_MS = 100;

export interface LoadedWebConfig {
  config: WebConfig;
  /** Hash of the config file's bytes and every file it names, to tell a change from a touch. */
  fingerprint: string;
  /** The config file and the files it names. */
  files: string[];
}

/** Reads the file and everything it names once, so the config and its fingerprint describe the same bytes. */
export function readWebConfig(path: string): LoadedWebConfig {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read the file: ${errnoText(err)}`);
  }
  const hash = createHash('sha256').update(text);
  const seen = new Map<string, Buffer>();
  const read = (file: string): Buffer => {
    let bytes = seen.get(file);
    if (bytes === undefined) {
      bytes = readFileSync(file);
      seen.set(file, bytes);
      hash.update(`\0${file}\0`).update(bytes);
    }
    return bytes;
  };
  const config = loadWebConfig(path, text.toString('utf8'), read);
  return { config, fingerprint: hash.digest('hex'), files: [path, ...seen.keys()] };
}

/** The fingerprint of what is on disk now, or the reason it can't be read as a config. */
function currentFingerprint(path: string): string {
  const hash = createHash('sha256');
  const text = readFileSync(path);
  hash.update(text);
  let files: string[] = [];
  try {
    files = referencedFiles(path, parseWebConfigText(text.toString('utf8')));
  } catch {
    // An unparseable file has a fingerprint of its own bytes: the full reload reports why.
  }
  for (const file of files) {
    hash.update(`\0${file}\0`);
    try {
      hash.update(readFileSync(file));
    } catch (err) {
      hash.update(`missing ${errnoCode(err) ?? ''}`);
    }
  }
  return hash.digest('hex');
}

export interface WebConfigWatcherOptions {
  path: string;
  initial: LoadedWebConfig;
  /** Applies a new valid config; throwing refuses it (e.g. TLS switched on or off), with the error as the reason. */
  apply: (config: WebConfig) => void;
  /** The files on disk can't be applied, and why: called when a check finds them so, until `apply` is called again. */
  invalid?: (reason: string) => void;
  logger: Logger;
  pollMs?: number;
}

export class WebConfigWatcher {
  /** What is in force, or undefined while the files are invalid (so that any valid state, the old one too, applies). */
  private fingerprint: string | undefined;
  private watchers: FSWatcher[] = [];
  private watchedDirs = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  /** The fingerprint of the last refused change: checked again only once the files change again. */
  private refused: string | undefined;
  private closed = false;
  /** Reloads applied, for tests. */
  reloads = 0;

  constructor(private readonly options: WebConfigWatcherOptions) {
    this.fingerprint = options.initial.fingerprint;
    this.watchDirs(options.initial.files);
    this.timer = setInterval(() => this.check(), options.pollMs ?? WEB_CONFIG_POLL_MS);
    this.timer.unref();
  }

  /** Watches the folders (not the files: a rotation renames a new file over the old inode). */
  private watchDirs(files: string[]): void {
    for (const dir of new Set(files.map((f) => dirname(f)))) {
      if (this.watchedDirs.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.soon());
        w.on('error', () => undefined); // a removed folder: the periodic check still runs
        this.watchers.push(w);
        this.watchedDirs.add(dir);
      } catch (err) {
        this.options.logger.debug('cannot watch web config folder; relying on the periodic check', {
          dir,
          err: errnoText(err),
        });
      }
    }
  }

  private soon(): void {
    if (this.closed) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.check(), SETTLE_MS);
    this.settle.unref();
  }

  /** Reloads when anything changed on disk; returns whether a new config was applied. */
  check(): boolean {
    if (this.closed) return false;
    let fingerprint: string;
    try {
      fingerprint = currentFingerprint(this.options.path);
    } catch (err) {
      this.refuse(`cannot read the file: ${errnoText(err)}`);
      return false;
    }
    if (fingerprint === this.fingerprint || fingerprint === this.refused) return false;
    let loaded: LoadedWebConfig;
    try {
      loaded = readWebConfig(this.options.path);
      this.options.apply(loaded.config);
    } catch (err) {
      this.refused = fingerprint;
      this.refuse(err instanceof Error ? err.message : String(err));
      return false;
    }
    this.fingerprint = loaded.fingerprint;
    this.lastError = undefined;
    this.refused = undefined;
    this.reloads++;
    this.watchDirs(loaded.files);
    this.options.logger.info('web config reloaded', {
      file: this.options.path,
      tls: loaded.config.tls !== undefined,
      users: loaded.config.users.size,
    });
    return true;
  }

  /** Reports a refused change, logging it once per distinct reason, not once per check. */
  private refuse(reason: string): void {
    this.fingerprint = undefined;
    this.options.invalid?.(reason);
    if (reason === this.lastError) return;
    this.lastError = reason;
    this.options.logger.error('web config invalid; answering 500 to every request until it is fixed', {
      file: this.options.path,
      err: reason,
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.settle);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
