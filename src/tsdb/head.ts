import { type Labels, sameSampleValue } from '../core/index.js';

/** One series in memory: identity, label set, and the head (unsealed samples, ascending, unique timestamps). */
export interface MemSeries {
  id: number;
  tenant: string;
  labels: Labels;
  labelsJson: string;
  ts: Float64Array;
  vs: Float64Array;
  /** Samples in the head. */
  n: number;
  /** Newest timestamp stored anywhere (head or sealed), -Infinity when none. */
  maxT: number;
  /** Newest sealed timestamp; every sample at or before it lives in a chunk. -Infinity when none. */
  sealedMaxT: number;
  /** Oldest timestamp ever stored (may be stale after retention; used to skip series in range queries). */
  minT: number;
  /** End of the newest 1m rollup bucket written (-Infinity when none). */
  m1MaxT: number;
  /** End of the newest 1h rollup bucket written (-Infinity when none). */
  h1MaxT: number;
  /** Last sealed sample's value (for counter increases across chunk boundaries); undefined when not loaded. */
  lastSealedV: number | undefined;
}

/** Smallest head capacity; every capacity is a power of two from here. */
const MIN_HEAD = 16;
/** Heads up to this capacity are cut from slabs; larger ones are allocated on their own. */
const MAX_POOLED = 4096;
/** Doubles per slab (512 KiB). */
const SLAB = 1 << 16;

/**
 * Head arrays are views cut from shared 512-KiB slabs, and a view given up when a head grows or shrinks is
 * reused by the next head of its size. A typed array of its own per head meant an ArrayBuffer (with its
 * off-heap memory and its own garbage-collector bookkeeping) for every series and every growth, which made
 * allocation and collection a large part of creating a series (ADR 0009). Views are only ever read synchronously by
 * the store, so reusing a given-up view is safe.
 */
class HeadPool {
  /** Given-up views by size class (capacity MIN_HEAD << class). */
  private readonly free: Float64Array[][] = [];
  private slab = new Float64Array(0);
  private used = 0;

  alloc(cap: number): Float64Array {
    if (cap > MAX_POOLED) return new Float64Array(cap);
    const list = this.free[sizeClass(cap)];
    const reused = list?.pop();
    if (reused !== undefined) return reused;
    if (this.used + cap > this.slab.length) {
      this.slab = new Float64Array(SLAB);
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + cap);
    this.used += cap;
    return view;
  }

  release(view: Float64Array): void {
    const cap = view.length;
    if (cap > MAX_POOLED || cap < MIN_HEAD) return;
    const c = sizeClass(cap);
    const list = this.free[c];
    if (list === undefined) this.free[c] = [view];
    else list.push(view);
  }
}

function sizeClass(cap: number): number {
  return 31 - Math.clz32(cap / MIN_HEAD);
}

/** The capacity for `n` samples: the next power of two, at least MIN_HEAD. */
function capacityFor(n: number): number {
  return n <= MIN_HEAD ? MIN_HEAD : 2 ** Math.ceil(Math.log2(n));
}

const pool = new HeadPool();

/** A fresh series with an empty head. */
export function newSeries(id: number, tenant: string, labels: Labels, labelsJson: string): MemSeries {
  return {
    id,
    tenant,
    labels,
    labelsJson,
    ts: pool.alloc(MIN_HEAD),
    vs: pool.alloc(MIN_HEAD),
    n: 0,
    maxT: Number.NEGATIVE_INFINITY,
    sealedMaxT: Number.NEGATIVE_INFINITY,
    minT: Number.POSITIVE_INFINITY,
    m1MaxT: Number.NEGATIVE_INFINITY,
    h1MaxT: Number.NEGATIVE_INFINITY,
    lastSealedV: undefined,
  };
}

/** Moves the head into arrays of capacity `cap` (at least its sample count), giving the old ones back. */
function resize(s: MemSeries, cap: number): void {
  const ts = pool.alloc(cap);
  const vs = pool.alloc(cap);
  // A plain loop: `set(subarray(…))` makes two views per array, which costs more than copying a small head.
  const oldTs = s.ts;
  const oldVs = s.vs;
  for (let i = 0; i < s.n; i++) {
    ts[i] = oldTs[i]!;
    vs[i] = oldVs[i]!;
  }
  pool.release(s.ts);
  pool.release(s.vs);
  s.ts = ts;
  s.vs = vs;
}

function grow(s: MemSeries, need: number): void {
  resize(s, capacityFor(need));
}

/** Makes room in the head for `need` samples in all. */
export function reserveHead(s: MemSeries, need: number): void {
  if (need > s.ts.length) grow(s, need);
}

/** Index of the first head sample with timestamp ≥ t. */
export function lowerBound(ts: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Appends a sample newer than every head sample. */
export function pushSample(s: MemSeries, t: number, v: number): void {
  if (s.n === s.ts.length) grow(s, s.n + 1);
  s.ts[s.n] = t;
  s.vs[s.n] = v;
  s.n++;
  if (t > s.maxT) s.maxT = t;
  if (t < s.minT) s.minT = t;
}

/** Inserts a sample at its sorted position; returns false (and stores nothing) when the timestamp is present. */
export function insertSample(s: MemSeries, t: number, v: number): boolean {
  if (s.n === 0 || t > s.ts[s.n - 1]!) {
    pushSample(s, t, v);
    return true;
  }
  const i = lowerBound(s.ts, s.n, t);
  if (s.ts[i] === t) return false;
  if (s.n === s.ts.length) grow(s, s.n + 1);
  s.ts.copyWithin(i + 1, i, s.n);
  s.vs.copyWithin(i + 1, i, s.n);
  s.ts[i] = t;
  s.vs[i] = v;
  s.n++;
  if (t > s.maxT) s.maxT = t;
  if (t < s.minT) s.minT = t;
  return true;
}

/** Drops the first `k` head samples (after they were sealed). */
export function dropFront(s: MemSeries, k: number): void {
  s.ts.copyWithin(0, k, s.n);
  s.vs.copyWithin(0, k, s.n);
  s.n -= k;
  if (s.ts.length > 512 && s.n < s.ts.length / 4) resize(s, capacityFor(s.n * 2));
}

/** True when two float64 values are bit-for-bit the same sample value (NaN equals NaN, -0 differs from 0). */
export function sameValue(a: number, b: number): boolean {
  return sameSampleValue(a, b);
}
