import type { Exhaustion } from './exhaustion.js';
import { quantile } from './stats.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A daily profile to add back onto a deseasonalised trend: `profile[i % day]` is the offset at series index i. */
export interface DailyProfile {
  profile: Float64Array;
  day: number;
  /** Series index of the last value of the trend's input. */
  lastIndex: number;
}

/** Where a trend was measured and what to say about it. */
export interface TrendBasis {
  basis: Exhaustion['basis'];
  /** Reason given when the trend fills. */
  filling: string;
}

/**
 * Time to exhaustion from one regime `z` (deseasonalised when `season` is given): the slope is the median of
 * lagged differences (lag one day for two days or more with a daily profile, so any error left in the profile
 * cancels; half the regime otherwise) and its 10th–90th percentiles give the bounds; the level is the median
 * residual around that line anchored at the last point; growth within the noise is flat.
 */
export function trendEta(
  z: ArrayLike<number>,
  step: number,
  limit: number,
  how: TrendBasis,
  maxEta: number,
  bq: number,
  season: DailyProfile | null,
): Exhaustion {
  const m = z.length;
  const day = season?.day ?? Math.round(DAY_MS / step);
  const lag = season !== null && m >= 2 * day ? day : Math.max(1, Math.floor(m / 2));
  const slopes: number[] = [];
  for (let t = lag; t < m; t++) slopes.push(((z[t] as number) - (z[t - lag] as number)) / lag);
  const slope = quantile(slopes, 0.5);
  const sLo = quantile(slopes, bq);
  const sHi = quantile(slopes, 1 - bq);
  const resid = new Float64Array(m);
  for (let t = 0; t < m; t++) resid[t] = (z[t] as number) - slope * (t - (m - 1));
  const level = quantile(season !== null && m >= day ? resid.subarray(m - day) : resid, 0.5);
  const noise = Array.from(resid, (r) => r - level);
  const nLo = quantile(noise, bq);
  const nHi = quantile(noise, 1 - bq);
  const growth = slope * m;
  const spread = Math.max(nHi - nLo, 1e-9 * Math.abs(limit));
  const base = { slopePerHour: (slope * HOUR_MS) / step, level, basis: how.basis };
  const none = { etaMs: null, etaLowMs: null, etaHighMs: null };
  if (growth <= 0.5 * spread || slope <= 0) {
    const shrinking = slope < 0 && -growth > 0.5 * spread;
    return {
      status: shrinking ? 'shrinking' : 'flat',
      ...none,
      ...base,
      reason: shrinking ? 'usage is shrinking' : 'usage is flat within its noise',
    };
  }
  const maxSteps = Math.ceil(maxEta / step);
  const offsetAt = (k: number): number => (season === null ? 0 : (season.profile[(season.lastIndex + k) % season.day] as number));
  let pmax = 0;
  if (season !== null) for (const p of season.profile) pmax = Math.max(pmax, p);
  const crossing = (s: number, offset: number): number | null => {
    if (!(s > 0)) return null;
    if (season === null) {
      const k = (limit - level - offset) / s;
      return k <= maxSteps ? Math.max(0, k) : null;
    }
    // first step at which trend + daily profile reaches the limit
    const kStart = Math.max(0, Math.floor((limit - level - offset - pmax) / s) - day);
    for (let k = kStart; k <= maxSteps; k++) if (level + offset + s * k + offsetAt(k) >= limit) return k;
    return null;
  };
  const k = crossing(slope, 0);
  if (k === null) return { status: 'flat', ...none, ...base, reason: `no crossing within ${Math.round(maxEta / DAY_MS)} days` };
  const kLo = crossing(Math.max(sHi, slope), Math.max(0, nHi)) ?? k;
  const kHi = crossing(Math.min(sLo, slope), Math.min(0, nLo));
  return {
    status: 'filling',
    etaMs: k * step,
    etaLowMs: Math.min(kLo, k) * step,
    etaHighMs: kHi === null ? null : Math.max(kHi, k) * step,
    ...base,
    reason: how.filling,
  };
}
