/** Median of the finite values of `xs` (NaN when none); does not modify `xs`. */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/** The q-quantile (0..1, linear interpolation) of the finite values of `xs`; NaN when none. */
export function quantile(xs: ArrayLike<number>, q: number): number {
  const a: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    if (Number.isFinite(v)) a.push(v);
  }
  if (a.length === 0) return Number.NaN;
  a.sort((x, y) => x - y);
  const pos = Math.min(1, Math.max(0, q)) * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (a[lo] as number) + ((a[hi] as number) - (a[lo] as number)) * (pos - lo);
}

/** Mean absolute one-step change of `y` (the scale of MASE); 0 for a constant series. */
export function meanAbsDiff(y: ArrayLike<number>, lag = 1): number {
  let s = 0;
  let n = 0;
  for (let i = lag; i < y.length; i++) {
    const d = (y[i] as number) - (y[i - lag] as number);
    if (Number.isFinite(d)) {
      s += Math.abs(d);
      n++;
    }
  }
  return n === 0 ? 0 : s / n;
}

/** Ordinary least-squares line through (i, y[i]); x is the index. */
export function leastSquares(y: ArrayLike<number>): { slope: number; intercept: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (!Number.isFinite(v)) continue;
    n++;
    sx += i;
    sy += v;
    sxx += i * i;
    sxy += i * v;
  }
  if (n === 0) return { slope: 0, intercept: 0 };
  const den = n * sxx - sx * sx;
  const slope = den === 0 ? 0 : (n * sxy - sx * sy) / den;
  return { slope, intercept: (sy - slope * sx) / n };
}

/** Replaces non-finite values by the previous finite one (the first finite one at the start); all zeros when none. */
export function fillGaps(y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(y.length);
  let first = Number.NaN;
  for (let i = 0; i < y.length; i++) {
    if (Number.isFinite(y[i] as number)) {
      first = y[i] as number;
      break;
    }
  }
  let last = Number.isFinite(first) ? first : 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (Number.isFinite(v)) last = v;
    out[i] = last;
  }
  return out;
}
