// Remembers what bcrypt concluded for a user, hash and password, successes and failures alike, as exporter-toolkit's
// web/cache.go does: bounded maps that evict a random tenth when full. Successes and failures are bounded apart, so
// a flood of distinct guesses churns only the failures and never evicts a scraper's success.

import { createHmac, randomBytes } from 'node:crypto';

/** exporter-toolkit's cacheSize, here for each kind: a few scrapers and people use one exporter. */
export const AUTH_CACHE_ENTRIES = 100;

/** One bounded map with cache.go's eviction. */
class RandomEvictionSet {
  private readonly keys = new Set<string>();

  constructor(private readonly random: () => number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (!this.keys.has(key) && this.keys.size >= AUTH_CACHE_ENTRIES) this.makeRoom();
    this.keys.add(key);
  }

  delete(key: string): void {
    this.keys.delete(key);
  }

  /** Deletes a tenth and one more at random, as cache.go does, so that a full cache is not trimmed on every miss. */
  private makeRoom(): void {
    const keys = [...this.keys];
    const drop = Math.max(1, Math.floor(keys.length / 10)) + 1;
    for (let i = 0; i < drop && keys.length > 0; i++) {
      const at = Math.floor(this.random() * keys.length);
      this.keys.delete(keys[at]!);
      keys[at] = keys.at(-1)!;
      keys.pop();
    }
  }

  get size(): number {
    return this.keys.size;
  }
}

export class AuthCache {
  private readonly ok: RandomEvictionSet;
  private readonly denied: RandomEvictionSet;
  /** Keys are HMACs under a per-process secret, so the cache never holds a password or an unsalted hash of one. */
  private readonly secret = randomBytes(32);

  constructor(random: () => number = Math.random) {
    this.ok = new RandomEvictionSet(random);
    this.denied = new RandomEvictionSet(random);
  }

  /**
   * exporter-toolkit's key, hex(user):hex(hash):hex(password): hex keeps the three apart, so no user name can be
   * made to end where a hash begins (CVE-2022-46146 was a cache keyed by the plain concatenation).
   */
  key(user: string, hash: string, password: string): string {
    const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
    return createHmac('sha256', this.secret)
      .update(`${hex(user)}:${hex(hash)}:${hex(password)}`)
      .digest('base64');
  }

  /** What bcrypt concluded for this key, or undefined when it is not (or no longer) cached. */
  get(key: string): boolean | undefined {
    if (this.ok.has(key)) return true;
    if (this.denied.has(key)) return false;
    return undefined;
  }

  set(key: string, ok: boolean): void {
    (ok ? this.denied : this.ok).delete(key);
    (ok ? this.ok : this.denied).add(key);
  }

  /** Successes cached. */
  get successes(): number {
    return this.ok.size;
  }

  /** Failures cached. */
  get failures(): number {
    return this.denied.size;
  }
}
