import { isStaleNaN } from '../core/index.js';
import type { StepQuery } from './interface.js';

/** Reset-aware increase from `prev` to `v`, as Prometheus' `increase` treats counter resets. */
export function counterIncrease(prev: number, v: number): number {
  return v >= prev ? v - prev : v;
}

/**
 * Accumulates items in time order into the buckets of a step query; bucket k ends at
 * `start + k·step` and covers `(end - step, end]`. An item is a raw sample (count 1) or a rollup
 * bucket, placed by its end time. `rate` sums reset-aware increases of consecutive sample pairs whose
 * later sample falls in the bucket; an item's increase is given (rollups that stored it) or NaN,
 * meaning "derive it from the previous item's last value" (raw samples, monotonic rollup buckets).
 * Items before the first bucket only provide that previous value. Empty buckets are omitted.
 */
export class StepAccumulator {
  readonly timestamps: number[] = [];
  readonly values: number[] = [];
  private cur = -1;
  private min = 0;
  private max = 0;
  private sum = 0;
  private count = 0;
  private last = 0;
  private inc = 0;
  private pairs = 0;
  private prevLast: number | undefined = undefined;
  private readonly lastK: number;

  constructor(private readonly q: StepQuery) {
    this.lastK = Math.floor((q.end - q.start) / q.step);
  }

  /** Adds one item; `firstEver` marks an item holding the very first sample of its series (no predecessor). */
  add(end: number, min: number, max: number, sum: number, count: number, last: number, inc: number, firstEver: boolean): void {
    let itemInc = inc;
    let itemPairs = count;
    if (Number.isNaN(inc)) {
      if (this.prevLast === undefined) {
        itemInc = 0;
        itemPairs = 0;
      } else itemInc = counterIncrease(this.prevLast, last);
    } else if (firstEver) itemPairs = count - 1;
    this.prevLast = last;
    const k = Math.ceil((end - this.q.start) / this.q.step);
    if (k < 0 || k > this.lastK) return;
    if (k !== this.cur) {
      this.flush();
      this.cur = k;
      this.min = Number.POSITIVE_INFINITY;
      this.max = Number.NEGATIVE_INFINITY;
      this.sum = 0;
      this.count = 0;
      this.inc = 0;
      this.pairs = 0;
    }
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.sum += sum;
    this.count += count;
    this.last = last;
    this.inc += itemInc;
    this.pairs += itemPairs;
  }

  /** Adds raw samples [from, to) in time order. */
  addSamples(ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const v = vs[i]!;
      // A staleness marker ends a series; it is not a value to aggregate.
      if (isStaleNaN(v)) continue;
      this.add(ts[i]!, v, v, v, 1, v, Number.NaN, false);
    }
  }

  /** Closes the current bucket; call once after the last item. */
  flush(): void {
    if (this.cur < 0 || this.count === 0) return;
    const k = this.cur;
    this.cur = -1;
    let v: number;
    switch (this.q.agg) {
      case 'avg':
        v = this.sum / this.count;
        break;
      case 'min':
        v = this.min === Number.POSITIVE_INFINITY ? Number.NaN : this.min;
        break;
      case 'max':
        v = this.max === Number.NEGATIVE_INFINITY ? Number.NaN : this.max;
        break;
      case 'sum':
        v = this.sum;
        break;
      case 'count':
        v = this.count;
        break;
      case 'last':
        v = this.last;
        break;
      case 'rate':
        if (this.pairs === 0) return;
        v = this.inc / (this.q.step / 1000);
        break;
    }
    this.timestamps.push(this.q.start + k * this.q.step);
    this.values.push(v);
  }
}
