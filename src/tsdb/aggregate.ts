import type { StepAggregation, StepQuery } from './interface.js';

/**
 * Partial aggregates of one bucket. `inc` is the counter increase attributed to the bucket: the sum
 * over consecutive sample pairs whose later sample falls in the bucket of `v - prev` (or `v` after
 * a reset, when `v < prev`), the way Prometheus' `increase` treats resets; `pairs` counts those pairs.
 */
export interface BucketAcc {
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  inc: number;
  pairs: number;
}

/** Reset-aware increase from `prev` to `v`. */
export function counterIncrease(prev: number, v: number): number {
  return v >= prev ? v - prev : v;
}

/** Index of the step bucket (k ≥ 0) that holds time t: bucket k covers (start + (k-1)·step, start + k·step]. */
export function bucketOf(t: number, start: number, step: number): number {
  return Math.ceil((t - start) / step);
}

/** Turns a bucket's partial aggregates into the value of `agg`, or NaN when the bucket yields no value. */
export function finishBucket(acc: BucketAcc, agg: StepAggregation, step: number): number {
  switch (agg) {
    case 'avg':
      return acc.sum / acc.count;
    case 'min':
      return acc.min;
    case 'max':
      return acc.max;
    case 'sum':
      return acc.sum;
    case 'count':
      return acc.count;
    case 'last':
      return acc.last;
    case 'rate':
      return acc.pairs === 0 ? Number.NaN : acc.inc / (step / 1000);
  }
}

/** A fresh accumulator. */
export function emptyAcc(): BucketAcc {
  return {
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    sum: 0,
    count: 0,
    last: Number.NaN,
    inc: 0,
    pairs: 0,
  };
}

/**
 * Aggregates ascending raw samples into step buckets. Samples before the first bucket only serve as
 * the previous sample of a rate pair. Buckets without samples (or, for rate, without a pair) are omitted.
 */
export function aggregateRaw(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
  q: StepQuery,
): { timestamps: number[]; values: number[] } {
  const timestamps: number[] = [];
  const values: number[] = [];
  const lastK = Math.floor((q.end - q.start) / q.step);
  const acc = emptyAcc();
  let cur = -1;
  let hasPrev = false;
  let prev = 0;
  const flush = (): void => {
    if (cur < 0 || acc.count === 0) return;
    const v = finishBucket(acc, q.agg, q.step);
    if (q.agg === 'rate' && acc.pairs === 0) return;
    timestamps.push(q.start + cur * q.step);
    values.push(v);
  };
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    const v = vs[i]!;
    const k = bucketOf(t, q.start, q.step);
    if (k < 0) {
      hasPrev = true;
      prev = v;
      continue;
    }
    if (k > lastK) break;
    if (k !== cur) {
      flush();
      cur = k;
      acc.min = Number.POSITIVE_INFINITY;
      acc.max = Number.NEGATIVE_INFINITY;
      acc.sum = 0;
      acc.count = 0;
      acc.inc = 0;
      acc.pairs = 0;
    }
    if (v < acc.min) acc.min = v;
    if (v > acc.max) acc.max = v;
    acc.sum += v;
    acc.count++;
    acc.last = v;
    if (hasPrev) {
      acc.inc += counterIncrease(prev, v);
      acc.pairs++;
    }
    hasPrev = true;
    prev = v;
  }
  flush();
  return { timestamps, values };
}
