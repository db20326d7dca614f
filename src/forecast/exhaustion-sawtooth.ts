import type { Exhaustion } from './exhaustion.js';
import { quantile } from './stats.js';

const HOUR_MS = 3_600_000;

/**
 * Time to exhaustion of a sawtooth (usage that keeps being cut back: log rotation, cleanup jobs) from the
 * peaks of its completed cycles — the highest value before each drop — since one filling cycle says nothing
 * about the long run. The slope is the median of the pairwise slopes between peaks; "no ETA" when the peaks
 * do not rise beyond their own scatter.
 */
export function sawtoothEta(
  y: Float64Array,
  step: number,
  limit: number,
  drops: readonly number[],
  maxEta: number,
  bq: number,
): Exhaustion {
  const n = y.length;
  const peaks: { t: number; v: number }[] = [];
  let start = 0;
  for (const dIdx of drops) {
    let best = start;
    for (let i = start; i < dIdx; i++) if ((y[i] as number) >= (y[best] as number)) best = i;
    if (dIdx > start) peaks.push({ t: best, v: y[best] as number });
    start = dIdx;
  }
  const slopes: number[] = [];
  for (let i = 0; i < peaks.length; i++)
    for (let j = i + 1; j < peaks.length; j++) {
      const a = peaks[i] as { t: number; v: number };
      const b = peaks[j] as { t: number; v: number };
      if (b.t > a.t) slopes.push((b.v - a.v) / (b.t - a.t));
    }
  const slope = slopes.length ? quantile(slopes, 0.5) : 0;
  const sLo = slopes.length ? quantile(slopes, bq) : 0;
  const sHi = slopes.length ? quantile(slopes, 1 - bq) : 0;
  const lastPeak = peaks[peaks.length - 1] ?? { t: n - 1, v: y[n - 1] as number };
  const peakVals = peaks.map((p) => p.v - slope * (p.t - lastPeak.t));
  const peakLevel = quantile(peakVals, 0.5) + slope * (n - 1 - lastPeak.t);
  const spread = Math.max(quantile(peakVals, 1 - bq) - quantile(peakVals, bq), 1e-9 * Math.abs(limit));
  const span = (peaks[peaks.length - 1]?.t ?? 0) - (peaks[0]?.t ?? 0);
  const base = { slopePerHour: (slope * HOUR_MS) / step, level: peakLevel, basis: 'sawtooth_peaks' as const };
  const none = { etaMs: null, etaLowMs: null, etaHighMs: null };
  if (peaks.length < 2 || slope <= 0 || slope * span <= 0.5 * spread) {
    const shrinking = peaks.length >= 2 && slope < 0 && -slope * span > 0.5 * spread;
    return {
      status: shrinking ? 'shrinking' : 'flat',
      ...none,
      ...base,
      reason: `sawtooth (${drops.length} drops): its peaks are ${shrinking ? 'falling' : 'not rising'}`,
    };
  }
  const at = (s: number): number | null => {
    if (!(s > 0)) return null;
    const k = (limit - peakLevel) / s;
    return k * step <= maxEta ? Math.max(0, k) : null;
  };
  const k = at(slope);
  if (k === null) return { status: 'flat', ...none, ...base, reason: 'sawtooth: peaks rise too slowly to matter' };
  const kHi = at(Math.min(sLo, slope));
  return {
    status: 'filling',
    etaMs: k * step,
    etaLowMs: (at(Math.max(sHi, slope)) ?? k) * step,
    etaHighMs: kHi === null ? null : kHi * step,
    ...base,
    reason: `sawtooth (${drops.length} drops) whose peaks keep rising`,
  };
}
