// A token bucket for rate_limit: one token per interval, at most `burst` saved up, as Go's rate.Limiter does.

export class RateLimiter {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.lastMs = now();
  }

  /** Takes a token and returns true, or returns false when none is left. */
  allow(): boolean {
    const now = this.now();
    // A clock that steps back refills nothing rather than going negative.
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.lastMs) / this.intervalMs);
    this.lastMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
