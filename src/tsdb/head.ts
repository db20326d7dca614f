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

/** A fresh series with an empty head. */
export function newSeries(id: number, tenant: string, labels: Labels, labelsJson: string): MemSeries {
  return {
    id,
    tenant,
    labels,
    labelsJson,
    ts: new Float64Array(16),
    vs: new Float64Array(16),
    n: 0,
    maxT: Number.NEGATIVE_INFINITY,
    sealedMaxT: Number.NEGATIVE_INFINITY,
    minT: Number.POSITIVE_INFINITY,
    m1MaxT: Number.NEGATIVE_INFINITY,
    h1MaxT: Number.NEGATIVE_INFINITY,
    lastSealedV: undefined,
  };
}

function grow(s: MemSeries, need: number): void {
  let cap = s.ts.length;
  while (cap < need) cap *= 2;
  const ts = new Float64Array(cap);
  const vs = new Float64Array(cap);
  ts.set(s.ts.subarray(0, s.n));
  vs.set(s.vs.subarray(0, s.n));
  s.ts = ts;
  s.vs = vs;
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
  if (s.ts.length > 512 && s.n < s.ts.length / 4) {
    const cap = Math.max(16, s.n * 2);
    s.ts = s.ts.slice(0, cap);
    s.vs = s.vs.slice(0, cap);
  }
}

/** True when two float64 values are bit-for-bit the same sample value (NaN equals NaN, -0 differs from 0). */
export function sameValue(a: number, b: number): boolean {
  return sameSampleValue(a, b);
}
