/** How long a series may go without a sample before its line breaks (Prometheus' lookback delta). */
export const MAX_BRIDGED_GAP_MS = 5 * 60_000;

/**
 * Per-second rate over a sliding window from per-bucket counter rates on a grid of `step` ms, as PromQL's
 * `rate(x[window])` without extrapolation. `perBucket[k]` is the bucket's increase divided by `step` (NaN: the
 * bucket holds no sample); with samples sparser than the step, many buckets are empty and a window sums the
 * increases of the buckets it covers. A bucket that follows more than `window` without any sample would count
 * the increase across that outage at once, so it is left out. NaN where a window has nothing left to count.
 */
export function windowedRate(perBucket: readonly number[], step: number, windowMs: number): number[] {
  const n = Math.max(1, Math.round(windowMs / step));
  const inc = new Float64Array(perBucket.length);
  const counted = new Uint8Array(perBucket.length);
  let last = -1;
  for (let k = 0; k < perBucket.length; k++) {
    const r = perBucket[k]!;
    if (!Number.isFinite(r)) continue;
    if (last < 0 || (k - last) * step <= Math.max(windowMs, step)) {
      inc[k] = r * step;
      counted[k] = 1;
    }
    last = k;
  }
  const out = new Array<number>(perBucket.length).fill(Number.NaN);
  for (let k = 0; k < perBucket.length; k++) {
    let sum = 0;
    let have = false;
    for (let j = Math.max(0, k - n + 1); j <= k; j++) {
      if (counted[j] !== 1) continue;
      sum += inc[j]!;
      have = true;
    }
    if (have) out[k] = sum / (n * step);
  }
  return out;
}

/**
 * Turns the gaps of a chart column that are no longer than `maxGapMs` (between the samples on either side)
 * from `null` into `undefined`, which uPlot draws across; longer gaps stay `null` and break the line.
 */
export function bridgeGaps(xs: readonly number[], col: (number | null | undefined)[], maxGapMs: number): void {
  let prev = -1;
  for (let i = 0; i < col.length; i++) {
    if (col[i] === null || col[i] === undefined) continue;
    if (prev >= 0 && i - prev > 1 && xs[i]! - xs[prev]! <= maxGapMs) for (let j = prev + 1; j < i; j++) col[j] = undefined;
    prev = i;
  }
}
