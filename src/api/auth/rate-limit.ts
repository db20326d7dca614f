/** Options of a per-caller token bucket. */
export interface RateLimiterOptions {
  /** Sustained requests per second each caller may make. */
  perSecond: number;
  /** Requests a caller may make at once after being idle. Default 2 × perSecond. */
  burst?: number;
  now?: () => number;
}

/** Token buckets by caller id (an API key, a user): refuses requests past the sustained rate and burst. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(opts: RateLimiterOptions) {
    this.rate = opts.perSecond;
    this.burst = opts.burst ?? opts.perSecond * 2;
    this.now = opts.now ?? Date.now;
  }

  /** Takes one token for `id`; returns 0 when allowed, else the seconds until a token is free. */
  take(id: string): number {
    const now = this.now();
    let b = this.buckets.get(id);
    if (b === undefined) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      b = { tokens: this.burst, at: now };
      this.buckets.set(id, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.rate;
  }
}
