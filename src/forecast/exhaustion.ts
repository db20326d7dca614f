import { seasonalStrength } from './seasonality.js';
import { fillGaps, quantile } from './stats.js';

/** A regularly spaced usage history and the limit it must stay under. */
export interface ExhaustionInput {
  values: ArrayLike<number>;
  stepMs: number;
  /** The value at which the resource is exhausted (disk size, memory total, a configured limit). */
  limit: number;
}

/** Tuning of the time-to-exhaustion estimate. */
export interface ExhaustionOptions {
  /** Crossings further away than this are reported as no ETA (default 365 days). */
  maxEtaMs?: number;
  /** A step change larger than this many robust standard deviations of the step changes is a jump (default 6). */
  jumpSigma?: number;
  /** Quantile pair used for the bounds (default 0.1 / 0.9). */
  boundQuantile?: number;
}

/** How usage is moving. `filling` is the only status with an ETA. */
export type ExhaustionStatus = 'filling' | 'flat' | 'shrinking' | 'full' | 'unknown';

/** Time to exhaustion: a point ETA with low/high bounds, or why there is none. */
export interface Exhaustion {
  status: ExhaustionStatus;
  /** Milliseconds from the last sample until the limit is crossed; null when there is no ETA. */
  etaMs: number | null;
  /** Earliest plausible crossing (ms); null when there is no ETA. */
  etaLowMs: number | null;
  /** Latest plausible crossing (ms); null when there is no ETA or when no crossing is also plausible. */
  etaHighMs: number | null;
  /** Long-run growth per hour, in the series' unit. */
  slopePerHour: number;
  /** Usage now, as the trend sees it (robust against the last sample's noise). */
  level: number;
  /** What the trend was computed on: the whole window, the part after the last jump, or the peaks of a sawtooth. */
  basis: 'window' | 'since_jump' | 'without_jumps' | 'sawtooth_peaks';
  /** One sentence saying why. */
  reason: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Robust time to exhaustion. Step changes far larger than the series' usual moves are jumps: drops are
 * cleanups or rotations, rises are bursts. Two or more drops make a sawtooth, whose long-run growth is
 * the growth of its peaks (not of one filling cycle, which is what fools `predict_linear`); otherwise the
 * trend is measured after the last jump when enough data follows it, else on the history with the jumps
 * taken out. The slope is the median of lagged differences (lag one day when the series has a daily
 * cycle, so the cycle cancels; half the window otherwise); its 10th–90th percentiles give the bounds.
 */
export function estimateExhaustion(input: ExhaustionInput, options: ExhaustionOptions = {}): Exhaustion {
  const maxEta = options.maxEtaMs ?? 365 * DAY_MS;
  const jumpSigma = options.jumpSigma ?? 6;
  const bq = options.boundQuantile ?? 0.1;
  const y = fillGaps(input.values);
  const n = y.length;
  const step = input.stepMs;
  const limit = input.limit;
  const none = (status: ExhaustionStatus, level: number, slope: number, basis: Exhaustion['basis'], reason: string): Exhaustion => ({
    status,
    etaMs: status === 'full' ? 0 : null,
    etaLowMs: status === 'full' ? 0 : null,
    etaHighMs: status === 'full' ? 0 : null,
    slopePerHour: (slope * HOUR_MS) / step,
    level,
    basis,
    reason,
  });
  if (n < 6 || !(limit > 0) || !Number.isFinite(limit))
    return none('unknown', n ? (y[n - 1] as number) : 0, 0, 'window', 'not enough history');
  const last = y[n - 1] as number;
  if (last >= limit) return none('full', last, 0, 'window', 'at or over the limit');

  const d = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) d[i - 1] = (y[i] as number) - (y[i - 1] as number);
  const medD = quantile(d, 0.5);
  const madD = quantile(
    Array.from(d, (v) => Math.abs(v - medD)),
    0.5,
  );
  let range = 0;
  for (let i = 0; i < n; i++) range = Math.max(range, Math.abs((y[i] as number) - (y[0] as number)));
  const tau = Math.max(jumpSigma * 1.4826 * madD, 0.002 * Math.max(range, Math.abs(limit) * 0.01), 1e-12);
  const drops: number[] = [];
  const jumps: number[] = [];
  for (let i = 0; i < d.length; i++) {
    const dev = (d[i] as number) - medD;
    if (dev < -tau) drops.push(i + 1);
    if (Math.abs(dev) > tau) jumps.push(i + 1);
  }

  if (drops.length >= 2) return sawtooth(y, step, limit, drops, maxEta, bq);

  let z: Float64Array = y;
  let basis: Exhaustion['basis'] = 'window';
  if (jumps.length > 0) {
    const after = jumps[jumps.length - 1] as number;
    const minRegime = Math.max(12, Math.round((2 * HOUR_MS) / step), Math.floor(n * 0.15));
    if (n - after >= minRegime) {
      z = y.subarray(after);
      basis = 'since_jump';
    } else {
      const isJump = new Uint8Array(n);
      for (const j of jumps) isJump[j] = 1;
      const c = new Float64Array(n);
      c[0] = y[0] as number;
      for (let i = 1; i < n; i++) c[i] = (c[i - 1] as number) + (isJump[i] ? medD : (y[i] as number) - (y[i - 1] as number));
      const shift = last - (c[n - 1] as number);
      for (let i = 0; i < n; i++) c[i] = (c[i] as number) + shift;
      z = c;
      basis = 'without_jumps';
    }
  }
  return trendEta(z, step, limit, basis, maxEta, bq);
}

function trendEta(z: Float64Array, step: number, limit: number, basis: Exhaustion['basis'], maxEta: number, bq: number): Exhaustion {
  const m = z.length;
  const day = Math.round(DAY_MS / step);
  const seasonal = day >= 4 && m >= 2 * day && seasonalStrength(z, day) >= 0.3;
  const lag = seasonal ? day : Math.max(1, Math.floor(m / 2));
  const slopes: number[] = [];
  for (let t = lag; t < m; t++) slopes.push(((z[t] as number) - (z[t - lag] as number)) / lag);
  const slope = quantile(slopes, 0.5);
  const sLo = quantile(slopes, bq);
  const sHi = quantile(slopes, 1 - bq);
  // residuals around the trend line anchored at the last point; their median is the level's offset
  const resid = new Float64Array(m);
  for (let t = 0; t < m; t++) resid[t] = (z[t] as number) - slope * (t - (m - 1));
  const level = quantile(seasonal ? resid.subarray(m - day) : resid, 0.5);
  const profile = new Float64Array(seasonal ? day : 1);
  if (seasonal) {
    const cycles = Math.min(4, Math.floor(m / day));
    for (let ph = 0; ph < day; ph++) {
      const vals: number[] = [];
      for (let c = 1; c <= cycles; c++) vals.push((resid[m - c * day + ph] as number) - level);
      profile[ph] = quantile(vals, 0.5);
    }
  }
  const noise: number[] = [];
  for (let t = 0; t < m; t++)
    noise.push((resid[t] as number) - level - (seasonal ? (profile[(t - (m - day) + day * m) % day] as number) : 0));
  const nLo = quantile(noise, bq);
  const nHi = quantile(noise, 1 - bq);
  const growth = slope * m;
  const spread = Math.max(nHi - nLo, 1e-9 * Math.abs(limit));
  const slopePerHour = (slope * HOUR_MS) / step;
  const base = { slopePerHour, level, basis };
  if (growth <= 0.5 * spread || slope <= 0) {
    const shrinking = slope < 0 && -growth > 0.5 * spread;
    return {
      status: shrinking ? 'shrinking' : 'flat',
      etaMs: null,
      etaLowMs: null,
      etaHighMs: null,
      ...base,
      reason: shrinking ? 'usage is shrinking' : 'usage is flat within its noise',
    };
  }
  const maxSteps = Math.ceil(maxEta / step);
  const phase0 = m - 1 - (m - day);
  const crossing = (s: number, offset: number): number | null => {
    if (!(s > 0)) return null;
    if (!seasonal) {
      const k = (limit - level - offset) / s;
      return k <= maxSteps ? Math.max(0, k) : null;
    }
    // first step at which trend + daily profile reaches the limit
    let pmax = Number.NEGATIVE_INFINITY;
    for (const p of profile) pmax = Math.max(pmax, p);
    const kStart = Math.max(0, Math.floor((limit - level - offset - pmax) / s) - day);
    for (let k = kStart; k <= maxSteps; k++) {
      const ph = (((phase0 + k) % day) + day) % day;
      if (level + offset + s * k + (profile[ph] as number) >= limit) return k;
    }
    return null;
  };
  const k = crossing(slope, 0);
  if (k === null) {
    return {
      status: 'flat',
      etaMs: null,
      etaLowMs: null,
      etaHighMs: null,
      ...base,
      reason: `no crossing within ${Math.round(maxEta / DAY_MS)} days`,
    };
  }
  const kLo = crossing(Math.max(sHi, slope), Math.max(0, nHi)) ?? k;
  const kHi = crossing(Math.min(sLo, slope), Math.min(0, nLo));
  return {
    status: 'filling',
    etaMs: k * step,
    etaLowMs: Math.min(kLo, k) * step,
    etaHighMs: kHi === null ? null : Math.max(kHi, k) * step,
    ...base,
    reason:
      basis === 'since_jump'
        ? 'growing since its last jump'
        : basis === 'without_jumps'
          ? 'growing apart from short bursts'
          : 'growing steadily',
  };
}

function sawtooth(y: Float64Array, step: number, limit: number, drops: number[], maxEta: number, bq: number): Exhaustion {
  const n = y.length;
  // peak of each completed cycle: the highest value before its drop
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
      const a = peaks[i]!;
      const b = peaks[j]!;
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
  const slopePerHour = (slope * HOUR_MS) / step;
  const base = { slopePerHour, level: peakLevel, basis: 'sawtooth_peaks' as const };
  if (peaks.length < 2 || slope <= 0 || slope * span <= 0.5 * spread) {
    const shrinking = peaks.length >= 2 && slope < 0 && -slope * span > 0.5 * spread;
    return {
      status: shrinking ? 'shrinking' : 'flat',
      etaMs: null,
      etaLowMs: null,
      etaHighMs: null,
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
  if (k === null)
    return { status: 'flat', etaMs: null, etaLowMs: null, etaHighMs: null, ...base, reason: 'sawtooth: peaks rise too slowly to matter' };
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
