// Checks HTTP Basic credentials against bcrypt hashes with exporter-toolkit's semantics (web/handler.go): an unknown
// user costs a comparison against a fixed cost-10 decoy, every conclusion is cached (successes apart from failures,
// so guesses never evict a scraper), one comparison runs at a time.
// Comparisons run in a worker thread, queued fairly by client address, so a flood of guesses neither stalls scrapes
// nor locks a user out: past the queue's bound a guess gets its 401 at once.

import { AuthCache } from './auth-cache.js';
import { BcryptWorker } from './bcrypt-worker.js';
import { FairQueue } from './fair-queue.js';

/**
 * exporter-toolkit's decoy, "fakepassword" at cost 10: an unknown name costs what a wrong password for a cost-10
 * user does, whatever the configured users' costs, and a file listing a cost-18 user first no longer makes every
 * unknown name cost a cost-18 comparison.
 */
export const DECOY_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

/** In, out, or the checker is shutting down and compared nothing. */
export type AuthResult = 'ok' | 'denied' | 'unavailable';

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

interface Job {
  user: string;
  password: string;
  hash: string;
  key: string;
  /** The conclusion, for every request waiting on these credentials. */
  result: Promise<AuthResult>;
  settle: (result: AuthResult) => void;
  /** One per waiting request: whether it still wants an answer (its client has not gone away). */
  wanted: (() => boolean)[];
}

export class BasicAuthChecker {
  private readonly cache: AuthCache;
  private readonly queue = new FairQueue<Job>();
  /** Comparisons queued or running, by cache key: a burst of the same credentials waits for one comparison. */
  private readonly inFlight = new Map<string, Job>();
  private readonly compare: (password: string, hash: string) => Promise<boolean>;
  private readonly stopComparing: () => Promise<void>;
  private users: ReadonlyMap<string, string> = new Map();
  /** The comparison running, if one is. */
  private current: Job | undefined;
  private closed = false;

  /** `compare` is bcrypt's, in a worker; tests pass their own to see which hash each request costs. */
  constructor(
    users: ReadonlyMap<string, string> = new Map(),
    compare?: (password: string, hash: string) => Promise<boolean>,
    random?: () => number,
  ) {
    this.cache = new AuthCache(random);
    if (compare) {
      this.compare = compare;
      this.stopComparing = () => Promise.resolve();
    } else {
      const worker = new BcryptWorker();
      this.compare = (password, hash) => worker.compare(password, hash);
      this.stopComparing = () => worker.close();
    }
    this.setUsers(users);
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Replaces the users (a reloaded config). Cache keys hold the hash, so a changed or removed user matches nothing. */
  setUsers(users: ReadonlyMap<string, string>): void {
    this.users = users;
  }

  /**
   * Resolves 'ok' when the header carries a configured user and its password. `client` is the remote address the
   * queue is fair between; `stillWanted` says whether the request still waits for an answer, so a comparison every
   * requester of which has hung up is skipped, and a client that connects, asks and disconnects costs no bcrypt.
   */
  async check(header: string | undefined, client = '', stillWanted: () => boolean = () => true): Promise<AuthResult> {
    if (this.closed) return 'unavailable';
    const creds = parseBasicAuth(header);
    if (creds === undefined || !this.enabled) return 'denied';
    const hash = this.users.get(creds.user) ?? DECOY_HASH;
    const key = this.cache.key(creds.user, hash, creds.password);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached && this.users.get(creds.user) === hash ? 'ok' : 'denied';
    let job = this.inFlight.get(key);
    if (job === undefined) {
      let settle: (result: AuthResult) => void = () => undefined;
      const result = new Promise<AuthResult>((resolve) => (settle = resolve));
      const queued: Job = { ...creds, hash, key, result, settle, wanted: [] };
      job = queued;
      this.inFlight.set(key, queued);
      void result.then(() => {
        if (this.inFlight.get(key) === queued) this.inFlight.delete(key);
      });
      // Not cached when turned away: it was never compared, and may be tried again once the flood is over.
      this.queue.push(client, queued)?.settle('denied');
    }
    job.wanted.push(stillWanted);
    this.pump();
    return job.result;
  }

  /** Starts the next comparison when none is running: one at a time, as exporter-toolkit's bcryptMtx allows. */
  private pump(): void {
    if (this.current || this.closed) return;
    let job = this.queue.shift();
    // Nobody to answer: its requests' clients hung up while it waited.
    while (job && !job.wanted.some((wanted) => wanted())) {
      job.settle('denied');
      job = this.queue.shift();
    }
    if (!job) return;
    this.current = job;
    this.compare(job.password, job.hash)
      .then(
        (match) => {
          const ok = match && Buffer.byteLength(job.password) <= MAX_PASSWORD_BYTES;
          this.cache.set(job.key, ok);
          // The decoy's own password matches the decoy, and a reload may have removed the user meanwhile: only a
          // user configured now, with this hash, gets in.
          job.settle(ok && this.users.get(job.user) === job.hash ? 'ok' : 'denied');
        },
        () => job.settle(this.closed ? 'unavailable' : 'denied'),
      )
      .finally(() => {
        this.current = undefined;
        this.pump();
      });
  }

  /** Answers every waiting check 'unavailable' and stops the worker, even in the middle of a comparison. */
  async close(): Promise<void> {
    this.closed = true;
    this.current?.settle('unavailable');
    for (const job of this.queue.drain()) job.settle('unavailable');
    await this.stopComparing();
  }

  /** Successes and failures cached (for tests of the bounds). */
  get cachedEntries(): { successes: number; failures: number } {
    return { successes: this.cache.successes, failures: this.cache.failures };
  }

  /** Comparisons waiting (for tests of the bound). */
  get queuedComparisons(): number {
    return this.queue.size;
  }
}
