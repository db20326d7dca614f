import { mulberry32 } from '../core/index.js';

/** A small, fast, seedable PRNG (mulberry32) so a demo run is reproducible. */
export class Rng {
  private readonly uniform: () => number;
  constructor(seed: number) {
    this.uniform = mulberry32(seed);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.uniform();
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
}

/** A deterministic hash of a string and a number into [0, 1), for per-host, per-time noise without state. */
export function hashNoise(key: number, t: number): number {
  let h = (key ^ Math.imul(t | 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
