/**
 * PromQL function kernels with Prometheus 2.x semantics (promql/functions.go), written so that results match
 * Prometheus to the last few bits: same formulas, same summation order, Kahan-compensated where Prometheus is.
 */

/** A window of raw samples of one series: indices `[lo, hi)` of `ts`/`vs`, plus where the range starts and ends. */
export interface Window {
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
  lo: number;
  hi: number;
  /** Range start (ms, inclusive) and end (ms) the window was cut for, after offset and @. */
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  /** The evaluation timestamp of the step (ms). */
  evalTs: number;
}

/** A range-vector function: returns the value for one window, or undefined for "no output". */
export type RangeKernel = (w: Window, params: readonly number[]) => number | undefined;

/** Neumaier-compensated summation step, as Prometheus' `kahanSumInc`. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const n = w.hi - w.lo;
  if (n < 2) return undefined;
  const first = w.vs[w.lo] as number;
  const last = w.vs[w.hi - 1] as number;
  let result = last - first;
  if (isCounter) {
    let prev = first;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = w.vs[i] as number;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  const t0 = w.ts[w.lo] as number;
  const t1 = w.ts[w.hi - 1] as number;
  let durationToStart = (t0 - w.rangeStart) / 1000;
  const durationToEnd = (w.rangeEnd - t1) / 1000;
  const sampledInterval = (t1 - t0) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= w.rangeMs / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  if (w.hi - w.lo < 2) return undefined;
  const last = w.vs[w.hi - 1] as number;
  const prev = w.vs[w.hi - 2] as number;
  const result = isRate && last < prev ? last : last - prev;
  const interval = (w.ts[w.hi - 1] as number) - (w.ts[w.hi - 2] as number);
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

/** Least-squares slope and intercept of the window's samples, x in seconds relative to `interceptTime`. */
export function linearRegression(w: Window, interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = w.vs[w.lo] as number;
  let constY = true;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.vs[i] as number;
    if (constY && i > w.lo && v !== initY) constY = false;
    n += 1;
    const x = ((w.ts[i] as number) - interceptTime) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

/** φ-quantile of `values` (sorted in place) as Prometheus' `quantile`. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  values.sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return (values[lowerIndex] as number) * (1 - weight) + (values[upperIndex] as number) * weight;
}

function avgOverTime(w: Window): number {
  let mean = 0;
  let count = 0;
  let c = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.vs[i] as number;
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    [mean, c] = kahanSumInc(v / count - mean / count, mean, c);
  }
  if (!Number.isFinite(mean) && !Number.isNaN(mean)) return mean;
  return mean + c;
}

function varianceOverTime(w: Window): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.vs[i] as number;
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

/** Range-vector functions of the subset, by name. */
export const RANGE_KERNELS: Readonly<Record<string, RangeKernel>> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.ts[w.lo] as number)[0]),
  predict_linear: (w, p) => {
    if (w.hi - w.lo < 2) return undefined;
    const [slope, intercept] = linearRegression(w, w.evalTs);
    return slope * (p[0] as number) + intercept;
  },
  changes: (w) => {
    let changes = 0;
    let prev = w.vs[w.lo] as number;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = w.vs[i] as number;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
      prev = cur;
    }
    return changes;
  },
  resets: (w) => {
    let resets = 0;
    let prev = w.vs[w.lo] as number;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = w.vs[i] as number;
      if (cur < prev) resets++;
      prev = cur;
    }
    return resets;
  },
  avg_over_time: avgOverTime,
  sum_over_time: (w) => {
    let sum = 0;
    let c = 0;
    for (let i = w.lo; i < w.hi; i++) [sum, c] = kahanSumInc(w.vs[i] as number, sum, c);
    if (!Number.isFinite(sum) && !Number.isNaN(sum)) return sum;
    return sum + c;
  },
  min_over_time: (w) => {
    let min = w.vs[w.lo] as number;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const v = w.vs[i] as number;
      if (v < min || Number.isNaN(min)) min = v;
    }
    return min;
  },
  max_over_time: (w) => {
    let max = w.vs[w.lo] as number;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const v = w.vs[i] as number;
      if (v > max || Number.isNaN(max)) max = v;
    }
    return max;
  },
  count_over_time: (w) => w.hi - w.lo,
  last_over_time: (w) => w.vs[w.hi - 1] as number,
  present_over_time: () => 1,
  stdvar_over_time: varianceOverTime,
  stddev_over_time: (w) => Math.sqrt(varianceOverTime(w)),
  quantile_over_time: (w, p) => {
    const values: number[] = [];
    for (let i = w.lo; i < w.hi; i++) values.push(w.vs[i] as number);
    return quantile(p[0] as number, values);
  },
};

/** Instant-vector math functions that map one value to one value and drop the metric name. */
export const MATH_KERNELS: Readonly<Record<string, (v: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
};

/** One bucket of a classic histogram: upper bound (`le`) and cumulative count. */
export interface Bucket {
  upperBound: number;
  count: number;
}

/** φ-quantile from classic histogram buckets, as Prometheus' `bucketQuantile` (promql/quantile.go). */
export function bucketQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  if (input.length === 0) return Number.NaN;
  const sorted = input.map((b) => ({ ...b })).sort((a, b) => a.upperBound - b.upperBound);
  if ((sorted[sorted.length - 1] as Bucket).upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last.upperBound === b.upperBound) last.count += b.count;
    else buckets.push(b);
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return Number.NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && (buckets[b] as Bucket).count < rank) b++;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  if (b === 0 && (buckets[0] as Bucket).upperBound <= 0) return (buckets[0] as Bucket).upperBound;
  let bucketStart = 0;
  const bucketEnd = (buckets[b] as Bucket).upperBound;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    const prev = buckets[b - 1] as Bucket;
    bucketStart = prev.upperBound;
    count -= prev.count;
    rank -= prev.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Go's `math.Pow` special cases that differ from JavaScript's `**`. */
export function goPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x === 1) return 1;
  if ((x === -1 && !Number.isFinite(y)) || (x === -1 && Number.isNaN(y))) return Number.isNaN(y) ? Number.NaN : 1;
  return x ** y;
}
