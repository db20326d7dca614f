import { formatDuration } from '../core/index.js';
import { sawtoothEta } from './exhaustion-sawtooth.js';
import { type DailyProfile, type TrendBasis, trendEta } from './exhaustion-trend.js';
import { lastRegimeStart } from './regime.js';
import { seasonalProfile } from './seasonality.js';
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
  /** How long a new regime must have lasted before its trend is trusted (default 1 h, and never fewer than 12 steps). */
  minRegimeMs?: number;
  /**
   * A rising new regime is trusted only when it rose this many times more than the history before it moved over
   * as long (its 99th percentile, jumps aside); otherwise it is the series' usual wandering (default 2).
   */
  newRegimeFactor?: number;
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
  /**
   * What the trend was computed on: the whole window, the regime since the last change of trend, the part after
   * the last jump, the history with short bursts taken out, the peaks of a sawtooth, or the newest regime of a
   * sawtooth that broke out of its pattern.
   */
  basis: 'window' | 'since_change' | 'since_jump' | 'without_jumps' | 'sawtooth_peaks' | 'sawtooth_broken';
  /** One sentence saying why. */
  reason: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface Settings {
  step: number;
  limit: number;
  maxEta: number;
  jumpSigma: number;
  bq: number;
  minRegime: number;
  newRegimeFactor: number;
}

/**
 * Robust time to exhaustion, measured on the current regime. Step changes far larger than the series' usual
 * moves are jumps: drops are cleanups or rotations, rises are bursts. Two or more drops make a sawtooth, whose
 * long-run growth is the growth of its peaks (not of one filling cycle, which is what fools `predict_linear`),
 * unless it broke out of its pattern (a runaway log that keeps filling across rotations). Otherwise the daily
 * cycle, when there is one, is taken out and the most recent regime is found by segmenting the history into
 * straight lines (`lastRegimeStart`), so a fill that started hours ago after days of flat usage is measured on
 * those hours — provided it has lasted `minRegimeMs` and rose more than the history ever moved over as long
 * (`newRegimeFactor`); within the regime, jumps are handled as above. The slope is the median of lagged
 * differences and its 10th–90th percentiles give the bounds (`trendEta`).
 */
export function estimateExhaustion(input: ExhaustionInput, options: ExhaustionOptions = {}): Exhaustion {
  const y = fillGaps(input.values);
  const n = y.length;
  const step = input.stepMs;
  const cfg: Settings = {
    step,
    limit: input.limit,
    maxEta: options.maxEtaMs ?? 365 * DAY_MS,
    jumpSigma: options.jumpSigma ?? 6,
    bq: options.boundQuantile ?? 0.1,
    minRegime: Math.max(12, Math.round((options.minRegimeMs ?? HOUR_MS) / step)),
    newRegimeFactor: options.newRegimeFactor ?? 2,
  };
  const limit = cfg.limit;
  if (n < 6 || !(limit > 0) || !Number.isFinite(limit)) return noEta('unknown', n ? (y[n - 1] as number) : 0, 'not enough history');
  const last = y[n - 1] as number;
  if (last >= limit) return noEta('full', last, 'at or over the limit');

  const jumps = findJumps(y, limit, cfg.jumpSigma);
  if (jumps.drops.length >= 2) return sawtoothOrBreakout(y, jumps, cfg);

  const day = Math.round(DAY_MS / step);
  const daily = day >= 4 && n >= 2 * day ? seasonalProfile(y, day) : null;
  const profile = daily !== null && daily.strength >= 0.3 ? daily.profile : null;
  const s = profile === null ? y : y.map((v, i) => v - (profile[i % day] as number));
  const start = lastRegimeStart(s, { minLength: cfg.minRegime, noiseSd: stepSd(s) / Math.SQRT2 });
  const season: DailyProfile | null = profile === null ? null : { profile, day, lastIndex: n - 1 };
  const whole = (): Exhaustion => regimeEta(s, cfg, { basis: 'window', filling: 'growing steadily' }, season);
  if (start === 0) return whole();
  const changed: TrendBasis = {
    basis: 'since_change',
    filling: `growing since its trend changed ${formatDuration((n - start) * step)} ago`,
  };
  const recent = regimeEta(s.subarray(start), cfg, changed, season);
  if (recent.status !== 'filling') return recent;
  // a rise the history has matched before is the series' usual wandering, not a new regime
  const grown = ((recent.slopePerHour * step) / HOUR_MS) * (n - start);
  return grown > cfg.newRegimeFactor * usualRise(s.subarray(0, start), n - start, cfg) ? recent : whole();
}

/**
 * The 99th percentile of how much `past` (with its jumps taken out, so one old burst does not hide every later
 * fill) moved, up or down, over any `span` steps; 0 when it is too short to say.
 */
function usualRise(past: Float64Array, span: number, cfg: Settings): number {
  if (past.length <= 2 * span) return 0;
  const j = findJumps(past, cfg.limit, cfg.jumpSigma);
  const c = replaceSteps(past, j.isJump, j.medD);
  const moves: number[] = [];
  for (let t = span; t < c.length; t++) moves.push(Math.abs((c[t] as number) - (c[t - span] as number)));
  return quantile(moves, 0.99);
}

function noEta(status: ExhaustionStatus, level: number, reason: string): Exhaustion {
  const eta = status === 'full' ? 0 : null;
  return { status, etaMs: eta, etaLowMs: eta, etaHighMs: eta, slopePerHour: 0, level, basis: 'window', reason };
}

interface Jumps {
  /** Median step. */
  medD: number;
  /** Indices i where y[i] − y[i−1] is a drop, and where it is any jump. */
  drops: number[];
  jumps: number[];
  isJump: Uint8Array;
}

/** Steps further from the median step than `jumpSigma` robust deviations (and than a small share of the range or limit). */
function findJumps(y: Float64Array, limit: number, jumpSigma: number): Jumps {
  const n = y.length;
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
  const out: Jumps = { medD, drops: [], jumps: [], isJump: new Uint8Array(n) };
  for (let i = 0; i < d.length; i++) {
    const dev = (d[i] as number) - medD;
    if (dev < -tau) out.drops.push(i + 1);
    if (Math.abs(dev) > tau) {
      out.jumps.push(i + 1);
      out.isJump[i + 1] = 1;
    }
  }
  return out;
}

/** Robust standard deviation of the steps of `y` (1.4826 × their median absolute deviation). */
function stepSd(y: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 1; i < y.length; i++) d.push((y[i] as number) - (y[i - 1] as number));
  if (d.length === 0) return 0;
  const med = quantile(d, 0.5);
  return (
    1.4826 *
    quantile(
      d.map((v) => Math.abs(v - med)),
      0.5,
    )
  );
}

/**
 * Trend of one regime: after its last jump when enough data follows it, else with its jumps taken out
 * (replaced by the median step), else as it is. Jumps are measured against the regime's own steps, so the
 * steady steps of a fast fill are its trend, not bursts.
 */
function regimeEta(z: Float64Array, cfg: Settings, how: TrendBasis, season: DailyProfile | null): Exhaustion {
  const m = z.length;
  const j = findJumps(z, cfg.limit, cfg.jumpSigma);
  if (j.jumps.length === 0) return trendEta(z, cfg.step, cfg.limit, how, cfg.maxEta, cfg.bq, season);
  const after = j.jumps[j.jumps.length - 1] as number;
  const minAfter = Math.max(12, Math.round((2 * HOUR_MS) / cfg.step), Math.floor(m * 0.15));
  if (m - after >= minAfter)
    return trendEta(
      z.subarray(after),
      cfg.step,
      cfg.limit,
      { basis: 'since_jump', filling: 'growing since its last jump' },
      cfg.maxEta,
      cfg.bq,
      season,
    );
  return trendEta(
    replaceSteps(z, j.isJump, j.medD),
    cfg.step,
    cfg.limit,
    { basis: 'without_jumps', filling: 'growing apart from short bursts' },
    cfg.maxEta,
    cfg.bq,
    season,
  );
}

/** `z` rebuilt with every step i marked in `mask` replaced by `step`, ending where `z` ends. */
function replaceSteps(z: Float64Array, mask: Uint8Array, step: number): Float64Array {
  const m = z.length;
  const c = new Float64Array(m);
  c[0] = z[0] as number;
  for (let i = 1; i < m; i++) c[i] = (c[i - 1] as number) + (mask[i] ? step : (z[i] as number) - (z[i - 1] as number));
  const shift = (z[m - 1] as number) - (c[m - 1] as number);
  for (let i = 0; i < m; i++) c[i] = (c[i] as number) + shift;
  return c;
}

/**
 * A sawtooth is judged on its peaks, unless it broke out of its pattern. With its drops taken out, the series
 * is its steady underlying growth; when the newest regime of that (at least `minRegime` long, and holding at
 * most one drop, so a new and faster sawtooth is not mistaken for a fill) rose `newRegimeFactor` times more
 * than it ever moved over as long before, that regime's trend is the forecast: a runaway log keeps filling
 * across the rotation that was meant to contain it.
 */
function sawtoothOrBreakout(y: Float64Array, jumps: Jumps, cfg: Settings): Exhaustion {
  const peaks = sawtoothEta(y, cfg.step, cfg.limit, jumps.drops, cfg.maxEta, cfg.bq);
  const u = unrollDrops(y, jumps.drops, cfg.minRegime);
  const start = lastRegimeStart(u, { minLength: cfg.minRegime, noiseSd: stepSd(u) / Math.SQRT2 });
  if (start === 0 || jumps.drops.filter((i) => i > start).length > 1) return peaks;
  const span = y.length - start;
  const cur = trendEta(u.subarray(start), cfg.step, cfg.limit, { basis: 'sawtooth_broken', filling: '' }, cfg.maxEta, cfg.bq, null);
  if (cur.status !== 'filling') return peaks;
  const grown = ((cur.slopePerHour * cfg.step) / HOUR_MS) * span;
  const usual = usualRise(u.subarray(0, start), span, cfg);
  if (!(grown > cfg.newRegimeFactor * usual)) return peaks;
  const how = usual > 0 ? `grew ${Math.round(grown / usual)}× more than it ever did` : 'kept growing, which it never did';
  return { ...cur, reason: `a sawtooth that broke its pattern: in the last ${formatDuration(span * cfg.step)} it ${how}` };
}

/** `y` with each drop replaced by the median of the other steps around it (within `reach`), ending where `y` ends. */
function unrollDrops(y: Float64Array, drops: readonly number[], reach: number): Float64Array {
  const n = y.length;
  const isDrop = new Uint8Array(n);
  for (const i of drops) isDrop[i] = 1;
  const stepAt = new Float64Array(n);
  for (let i = 1; i < n; i++) stepAt[i] = (y[i] as number) - (y[i - 1] as number);
  for (const i of drops) {
    const near: number[] = [];
    for (let k = Math.max(1, i - reach); k < Math.min(n, i + reach + 1); k++) if (!isDrop[k]) near.push(stepAt[k] as number);
    stepAt[i] = near.length ? quantile(near, 0.5) : 0;
  }
  const u = new Float64Array(n);
  u[n - 1] = y[n - 1] as number;
  for (let i = n - 1; i > 0; i--) u[i - 1] = (u[i] as number) - (stepAt[i] as number);
  return u;
}
