// Pending bcrypt comparisons, taken round-robin by client address and first-come within one, bounded; when full, the
// client with the most waiting gives up its newest. One address's flood of guesses then delays another address's
// login by at most one comparison per flooding address, and never turns it away.

/** Comparisons waiting at most, across clients: a bound on the longest wait (docs/security.md has it at cost 10). */
export const MAX_PENDING_COMPARISONS = 128;

export class FairQueue<T> {
  /** Map order is the rotation: the first client is served next and goes to the back if it has more waiting. */
  private readonly byClient = new Map<string, T[]>();
  private count = 0;

  constructor(private readonly max = MAX_PENDING_COMPARISONS) {}

  /**
   * Queues `item` for `client`. When the queue is full, returns what was turned away to make room: the newcomer
   * itself when its client already has the most waiting, or the newest of the client that has.
   */
  push(client: string, item: T): T | undefined {
    let turnedAway: T | undefined;
    if (this.count >= this.max) {
      let fattest = client;
      let most = (this.byClient.get(client)?.length ?? 0) + 1;
      for (const [c, waiting] of this.byClient) {
        if (waiting.length > most) {
          fattest = c;
          most = waiting.length;
        }
      }
      if (fattest === client) return item;
      const waiting = this.byClient.get(fattest)!;
      turnedAway = waiting.pop();
      this.count--;
      if (waiting.length === 0) this.byClient.delete(fattest);
    }
    const waiting = this.byClient.get(client);
    if (waiting) waiting.push(item);
    else this.byClient.set(client, [item]);
    this.count++;
    return turnedAway;
  }

  /** The next item in the rotation, or undefined when nothing waits. */
  shift(): T | undefined {
    const next = this.byClient.entries().next();
    if (next.done) return undefined;
    const [client, waiting] = next.value;
    const item = waiting.shift()!;
    this.count--;
    this.byClient.delete(client);
    if (waiting.length > 0) this.byClient.set(client, waiting);
    return item;
  }

  /** Everything still waiting, emptying the queue (on shutdown). */
  drain(): T[] {
    const all = [...this.byClient.values()].flat();
    this.byClient.clear();
    this.count = 0;
    return all;
  }

  get size(): number {
    return this.count;
  }
}
