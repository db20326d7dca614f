import { detectPeriods } from './augurs.js';

const HOUR_MS = 3_600_000;

/** Calendar periods a monitoring series can follow: the hour, the day and the week. */
export const CALENDAR_PERIODS_MS = [HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS] as const;

/** Options of seasonality detection. */
export interface SeasonalityOptions {
  /** Smallest autocorrelation at the period (after removing a moving average) for a period to count (default 0.3). */
  minStrength?: number;
  /** Full cycles the history must hold before a period is used (default 2). */
  minCycles?: number;
  /** Relative distance within which a detected period snaps to a calendar period (default 0.1). */
  snapTolerance?: number;
}

/** A seasonal period in steps with its measured strength. */
export interface DetectedPeriod {
  steps: number;
  strength: number;
}

/**
 * Seasonal periods of `y` (sampled every `stepMs`), strongest evidence only: candidates are the calendar
 * periods at this step plus what augurs' periodogram finds, snapped to a calendar period when within the
 * tolerance (a noisy daily cycle often shows as 25 h); each is kept only when the history holds enough
 * cycles and the autocorrelation at that lag, after removing a moving average, is strong enough.
 */
export function detectSeasonality(y: ArrayLike<number>, stepMs: number, opts: SeasonalityOptions = {}): DetectedPeriod[] {
  const minStrength = opts.minStrength ?? 0.3;
  const minCycles = opts.minCycles ?? 2;
  const tol = opts.snapTolerance ?? 0.1;
  const n = y.length;
  const calendar = CALENDAR_PERIODS_MS.map((p) => Math.round(p / stepMs)).filter((p) => p >= 2 && p * minCycles <= n);
  if (calendar.length === 0) return [];
  const candidates = new Set<number>(calendar);
  try {
    for (const p of detectPeriods(y, 2, Math.min(Math.floor(n / minCycles), 2 * (calendar[calendar.length - 1] as number)))) {
      const snapped = calendar.find((c) => Math.abs(p - c) <= tol * c);
      if (snapped !== undefined) candidates.add(snapped);
    }
  } catch {
    // augurs refuses degenerate input (constant series); the calendar candidates are still tested below
  }
  // longest first: once a long cycle is accepted, shorter ones are tested on what it leaves, so a daily
  // pattern made of hour-long steps does not also count as an hourly cycle
  const out: DetectedPeriod[] = [];
  let rest: ArrayLike<number> = y;
  for (const p of [...candidates].sort((a, b) => b - a)) {
    const strength = seasonalStrength(rest, p);
    if (strength >= minStrength) {
      out.push({ steps: p, strength });
      rest = removeProfile(rest, p);
    }
  }
  return out.sort((a, b) => a.steps - b.steps);
}

/** `y` minus the median of its phase over the last (up to) six cycles. */
function removeProfile(y: ArrayLike<number>, p: number): Float64Array {
  const n = y.length;
  const start = Math.max(0, n - 6 * p);
  const prof = new Float64Array(p);
  for (let ph = 0; ph < p; ph++) {
    const vals: number[] = [];
    for (let i = n - p + ph; i >= start; i -= p) vals.push(y[i] as number);
    vals.sort((a, b) => a - b);
    prof[ph] = vals.length ? (vals[vals.length >> 1] as number) : 0;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (y[i] as number) - (prof[(((i - (n - p)) % p) + p) % p] as number);
  return out;
}

/**
 * Autocorrelation at lag `p` of `y` minus its trailing moving average of width `p`, over the last
 * (up to) six cycles: near 1 for a stable cycle, near 0 for noise or a trend.
 */
export function seasonalStrength(y: ArrayLike<number>, p: number): number {
  const n = y.length;
  const start = Math.max(0, n - 6 * p - 2 * p);
  const r = new Float64Array(n - start);
  let sum = 0;
  for (let i = start; i < n; i++) {
    sum += y[i] as number;
    if (i - start >= p) sum -= y[i - p] as number;
    const w = Math.min(p, i - start + 1);
    r[i - start] = (y[i] as number) - sum / w;
  }
  // skip the first window where the moving average is still filling
  return lagCorrelation(r, p, 2 * p);
}

/** A seasonal profile and how strongly the series follows it. */
export interface SeasonalProfile {
  /** Offset per phase, indexed by `index % period`, centred on zero. */
  profile: Float64Array;
  /** Autocorrelation at one period of the series minus its centred moving average: near 1 for a stable cycle, near 0 for noise. */
  strength: number;
}

/**
 * Robust seasonal profile of `y` with period `p` (in steps): the median, per phase, of `y` minus its centred
 * moving average of width `p`, smoothed over 1/24 of the period. A centred average follows any straight trend
 * exactly, so neither a steady fill nor a fill that started recently (which fools a trailing average for a
 * whole period) leaks into the profile or its strength; points whose window runs past either end are skipped,
 * so the newest half-period, where a new regime shows first, never shapes the profile. Needs two periods.
 */
export function seasonalProfile(y: ArrayLike<number>, p: number): SeasonalProfile {
  const n = y.length;
  const left = Math.floor(p / 2);
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = (cum[i] as number) + (y[i] as number);
  const first = left;
  const resid = new Float64Array(Math.max(0, n - p + 1));
  const byPhase: number[][] = Array.from({ length: p }, () => []);
  for (let t = first; t + p - left <= n; t++) {
    const r = (y[t] as number) - ((cum[t - left + p] as number) - (cum[t - left] as number)) / p;
    resid[t - first] = r;
    (byPhase[t % p] as number[]).push(r);
  }
  const medians = new Float64Array(p);
  for (let ph = 0; ph < p; ph++) {
    const vals = byPhase[ph] as number[];
    vals.sort((a, b) => a - b);
    medians[ph] = vals.length ? (vals[vals.length >> 1] as number) : 0;
  }
  // a centred circular moving average over about 1/24 of the period: a few cycles leave each phase's median noisy
  const half = Math.floor(p / 48);
  const profile = new Float64Array(p);
  let sum = 0;
  for (let ph = 0; ph < p; ph++) {
    let acc = 0;
    for (let k = -half; k <= half; k++) acc += medians[(ph + k + p) % p] as number;
    profile[ph] = acc / (2 * half + 1);
    sum += profile[ph] as number;
  }
  for (let ph = 0; ph < p; ph++) profile[ph] = (profile[ph] as number) - sum / p;
  return { profile, strength: lagCorrelation(resid, p) };
}

/** Pearson correlation of `r[i]` with `r[i − lag]` for i ≥ `from`; 0 when either side is constant or too short. */
function lagCorrelation(r: Float64Array, lag: number, from = lag): number {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let m = 0;
  for (let i = from; i < r.length; i++) {
    const a = r[i] as number;
    const b = r[i - lag] as number;
    sx += a;
    sy += b;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
    m++;
  }
  if (m < 2) return 0;
  const cov = sxy / m - (sx / m) * (sy / m);
  const va = sxx / m - (sx / m) ** 2;
  const vb = syy / m - (sy / m) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}
