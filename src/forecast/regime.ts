import { median } from './stats.js';

/** Options of the search for the most recent regime. */
export interface RegimeOptions {
  /** Fewest points the most recent regime may hold (default 12). */
  minLength?: number;
  /** Standard deviation of one value's noise, in the series' unit (e.g. from the first differences). */
  noiseSd: number;
  /** A split must lower the squared error by more than this many times ln(n) · noiseSd² (default 8). */
  penalty?: number;
  /** The new regime must itself be straight: its robust scatter around a robust line at most this many noiseSd (default 3). */
  maxScatter?: number;
}

/**
 * Index at which the most recent regime of `y` starts (0 when one straight line explains the whole series).
 * Binary segmentation with a least-squares line per segment: the best split of the part still searched is
 * accepted when it lowers the squared error by more than the penalty, and the search goes on in the part
 * right of it only, so older changes cost nothing and the newest accepted split is where the regime starts.
 * Lines may be discontinuous, so a level jump and a change of slope are both changes. A split whose right part
 * is not itself one line (a burst inside the last `minLength` points, which no split can isolate yet) is
 * refused, so the regime is never a few points straddling a jump.
 */
export function lastRegimeStart(y: ArrayLike<number>, options: RegimeOptions): number {
  const n = y.length;
  const minLen = Math.max(3, options.minLength ?? 12);
  if (n < 2 * minLen) return 0;
  const sums = prefixSums(y);
  let range = 0;
  for (let i = 0; i < n; i++) range = Math.max(range, Math.abs((y[i] as number) - (y[0] as number)));
  // a floor on the noise keeps rounding errors of noise-free series from looking like changes
  const sd = Math.max(options.noiseSd, 1e-6 * range, 1e-12);
  const threshold = (options.penalty ?? 8) * Math.log(n) * sd * sd;
  let start = 0;
  for (;;) {
    if (n - start < 2 * minLen) return start;
    const whole = sse(sums, start, n);
    let best = Number.POSITIVE_INFINITY;
    let bestAt = -1;
    for (let c = start + minLen; c <= n - minLen; c++) {
      const cost = sse(sums, start, c) + sse(sums, c, n);
      if (cost < best) {
        best = cost;
        bestAt = c;
      }
    }
    if (bestAt < 0 || whole - best <= threshold) return start;
    if (scatter(y, bestAt, n) > (options.maxScatter ?? 3) * sd) return start;
    start = bestAt;
  }
}

/**
 * Robust scatter of the points [a, b) around a robust line (slope: median of half-length differences;
 * intercept: median residual): 1.4826 × the median absolute residual.
 */
function scatter(y: ArrayLike<number>, a: number, b: number): number {
  const m = b - a;
  const lag = Math.max(1, Math.floor(m / 2));
  const slopes: number[] = [];
  for (let t = a + lag; t < b; t++) slopes.push(((y[t] as number) - (y[t - lag] as number)) / lag);
  const slope = median(slopes);
  const resid: number[] = [];
  for (let t = a; t < b; t++) resid.push((y[t] as number) - slope * (t - a));
  const mid = median(resid);
  return 1.4826 * median(resid.map((r) => Math.abs(r - mid)));
}

interface PrefixSums {
  x: Float64Array;
  xx: Float64Array;
  y: Float64Array;
  xy: Float64Array;
  yy: Float64Array;
}

/** Cumulative sums of t, t², y, t·y and y² (y centred on its first value, for precision). */
function prefixSums(y: ArrayLike<number>): PrefixSums {
  const n = y.length;
  const ref = y[0] as number;
  const s: PrefixSums = {
    x: new Float64Array(n + 1),
    xx: new Float64Array(n + 1),
    y: new Float64Array(n + 1),
    xy: new Float64Array(n + 1),
    yy: new Float64Array(n + 1),
  };
  for (let i = 0; i < n; i++) {
    const v = (y[i] as number) - ref;
    s.x[i + 1] = (s.x[i] as number) + i;
    s.xx[i + 1] = (s.xx[i] as number) + i * i;
    s.y[i + 1] = (s.y[i] as number) + v;
    s.xy[i + 1] = (s.xy[i] as number) + i * v;
    s.yy[i + 1] = (s.yy[i] as number) + v * v;
  }
  return s;
}

/** Squared error of the least-squares line through the points [a, b). */
function sse(s: PrefixSums, a: number, b: number): number {
  const m = b - a;
  if (m < 2) return 0;
  const sx = (s.x[b] as number) - (s.x[a] as number);
  const sxx = (s.xx[b] as number) - (s.xx[a] as number);
  const sy = (s.y[b] as number) - (s.y[a] as number);
  const sxy = (s.xy[b] as number) - (s.xy[a] as number);
  const syy = (s.yy[b] as number) - (s.yy[a] as number);
  const cxx = sxx - (sx * sx) / m;
  const cxy = sxy - (sx * sy) / m;
  const cyy = syy - (sy * sy) / m;
  return Math.max(0, cxx > 0 ? cyy - (cxy * cxy) / cxx : cyy);
}
