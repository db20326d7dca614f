/** Options for login throttling. */
export interface LoginThrottleOptions {
  /** Failures allowed before delays start. */
  freeFailures?: number;
  /** Delay after the first counted failure, doubled on each further one. */
  baseDelayMs?: number;
  /** Longest delay. */
  maxDelayMs?: number;
  now?: () => number;
}

/** Slows down password guessing: after a few failures per (address, user), each attempt must wait longer. */
export class LoginThrottle {
  private readonly state = new Map<string, { failures: number; until: number }>();
  private readonly free: number;
  private readonly base: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: LoginThrottleOptions = {}) {
    this.free = opts.freeFailures ?? 5;
    this.base = opts.baseDelayMs ?? 1000;
    this.max = opts.maxDelayMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Milliseconds the caller must still wait before trying again; 0 when it may try now. */
  check(key: string): number {
    const s = this.state.get(key);
    return s ? Math.max(0, s.until - this.now()) : 0;
  }

  /** Records a failed attempt. */
  fail(key: string): void {
    const s = this.state.get(key) ?? { failures: 0, until: 0 };
    s.failures++;
    if (s.failures > this.free) s.until = this.now() + Math.min(this.max, this.base * 2 ** (s.failures - this.free - 1));
    if (this.state.size > 100_000) this.state.clear();
    this.state.set(key, s);
  }

  /** Forgets the failures of a key after a successful login. */
  succeed(key: string): void {
    this.state.delete(key);
  }
}
