// Checks HTTP Basic credentials against bcrypt hashes the way exporter-toolkit does, with a bounded cache of
// successes so a scrape pays bcrypt once, and the same bcrypt cost whether or not the user exists.

import { createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** Successful checks remembered; a few scrapers and people use one exporter, so this bounds memory, not hit rate. */
export const AUTH_CACHE_ENTRIES = 256;

/**
 * Comparisons waiting at most: a flood of guesses would otherwise queue without end (each a whole bcrypt comparison), holding
 * every request open. Past this the guard answers 429 at once; cached successes never wait, so scrapes go on.
 */
export const MAX_QUEUED_COMPARISONS = 64;

/** What a check concluded: in, out, or too many comparisons already waiting to try. */
export type AuthResult = 'ok' | 'denied' | 'busy';

/**
 * bcrypt reads at most 72 bytes of a password. Go's x/crypto refuses longer ones and bcryptjs would silently check
 * a prefix, so a longer password is refused here too (after the same bcrypt work, for timing's sake).
 */
const MAX_PASSWORD_BYTES = 72;

/** The user name and password of an `Authorization: Basic` header, or undefined when it is not one. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicAuthChecker {
  /** Keyed by an HMAC under a per-process secret: the cache never holds a password or an unsalted hash of one. */
  private readonly cache = new Map<string, true>();
  private readonly secret = randomBytes(32);
  /** bcrypt is CPU-bound: one comparison at a time, as exporter-toolkit serialises them, so a flood queues. */
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private users: ReadonlyMap<string, string> = new Map();
  /** A hash to compare against when the user does not exist, so that costs what a wrong password costs. */
  private decoy = '';

  /** `compare` is bcrypt's; tests pass a counting one to see which hash each request costs. */
  constructor(
    users: ReadonlyMap<string, string> = new Map(),
    private readonly compare: (password: string, hash: string) => Promise<boolean> = bcrypt.compare,
  ) {
    this.setUsers(users);
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /**
   * Replaces the users (a reloaded config). Cached successes stay valid only for the same user and hash, since
   * both are part of the key. The decoy is the first user's hash, so an unknown name costs what a known one does
   * (exporter-toolkit uses one fixed cost-10 hash; this also matches files whose hashes use another cost).
   */
  setUsers(users: ReadonlyMap<string, string>): void {
    this.users = users;
    this.decoy = users.values().next().value ?? '';
  }

  private key(user: string, hash: string, password: string): string {
    return createHmac('sha256', this.secret)
      .update(user)
      .update('\0')
      .update(hash)
      .update('\0')
      .update(password)
      .digest('base64');
  }

  /** Resolves 'ok' when the header carries a configured user and its password. */
  async check(header: string | undefined): Promise<AuthResult> {
    const creds = parseBasicAuth(header);
    if (creds === undefined || !this.enabled) return 'denied';
    const stored = this.users.get(creds.user);
    const hash = stored ?? this.decoy;
    const key = this.key(creds.user, hash, creds.password);
    if (stored !== undefined && this.cache.has(key)) {
      this.touch(key);
      return 'ok';
    }
    if (this.queued >= MAX_QUEUED_COMPARISONS) return 'busy';
    this.queued++;
    const run = this.queue.then(async () => {
      // A concurrent request may have proven the same credentials while this one queued.
      if (stored !== undefined && this.cache.has(key)) return true;
      const match = await this.compare(creds.password, hash);
      const ok = match && stored !== undefined && Buffer.byteLength(creds.password) <= MAX_PASSWORD_BYTES;
      // Cached before the next queued check runs, so it finds it.
      if (ok) this.touch(key);
      return ok;
    });
    this.queue = run.catch(() => false);
    const ok = await run.catch(() => false);
    this.queued--;
    return ok ? 'ok' : 'denied';
  }

  /** Marks a key most recently used, evicting the least recently used beyond the bound. */
  private touch(key: string): void {
    this.cache.delete(key);
    this.cache.set(key, true);
    if (this.cache.size > AUTH_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Entries cached (for tests of the bound). */
  get cachedEntries(): number {
    return this.cache.size;
  }
}
