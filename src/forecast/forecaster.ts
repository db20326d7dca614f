import { etsForecast, mstlEtsForecast } from './augurs.js';
import { type DetectedPeriod, detectSeasonality } from './seasonality.js';
import { fillGaps, quantile } from './stats.js';
import type { ForecastInput, PointForecast } from './types.js';

/** Tuning of the production forecaster; the defaults are what `vigil forecast` and the server use. */
export interface ForecasterOptions {
  /** Central probability of the interval (default 0.8). */
  level?: number;
  /** Most recent points given to the model (default 4032: two weeks at 5 min). */
  maxPoints?: number;
  /** Seasonality threshold (see `detectSeasonality`). */
  minStrength?: number;
  /** Weight of the robust seasonal profile in the blend with MSTL (0 = MSTL only). */
  blend?: number;
  /** Carry the series' robust trend into the seasonal profile (off: it measured worse on NAB at 24 h). */
  profileTrend?: boolean;
  /** Ramp the blend weight from 0 at the first step to `blend` one full period ahead (MSTL knows the near future best). */
  blendRamp?: boolean;
  /**
   * Without seasonality the AutoETS forecast is a straight line; its slope beyond the first step is
   * damped with this time constant (ms; 0 = off), since a local trend rarely lasts a day.
   */
  trendDampingMs?: number;
  /** Multiplier of the model's interval half-widths (augurs' ETS intervals run wide on real series). */
  intervalScale?: number;
}

/** A forecast with what the model found: the periods used and which model produced it. */
export interface SeriesForecast extends PointForecast {
  lower: number[];
  upper: number[];
  periods: DetectedPeriod[];
  model: 'flat' | 'mstl' | 'ets' | 'naive';
}

/** The production defaults. */
export const DEFAULT_FORECASTER: Required<ForecasterOptions> = {
  level: 0.8,
  maxPoints: 4032,
  minStrength: 0.3,
  blend: 1,
  blendRamp: true,
  profileTrend: false,
  trendDampingMs: 6 * 3_600_000,
  intervalScale: 0.9,
};

/** Forecasts `input.horizon` steps of a regularly spaced history with the production model. */
export function forecastSeries(input: ForecastInput, options: ForecasterOptions = {}): SeriesForecast {
  const o = { ...DEFAULT_FORECASTER, ...options };
  const all = fillGaps(input.values);
  const y = all.subarray(Math.max(0, all.length - o.maxPoints));
  const H = input.horizon;
  const n = y.length;
  if (n < 8 || isConstant(y, Math.min(n, Math.max(8, Math.round((2 * 86_400_000) / input.stepMs))))) return flatForecast(y, H, o.level);
  const periods = detectSeasonality(y, input.stepMs, { minStrength: o.minStrength });
  let f: { point: number[]; lower?: number[]; upper?: number[] };
  let model: SeriesForecast['model'];
  try {
    const modelPeriods = periods.map((p) => p.steps);
    if (modelPeriods.length > 0) {
      f = mstlEtsForecast(y, modelPeriods, H, o.level);
      model = 'mstl';
    } else {
      f = etsForecast(y, H, o.level);
      model = 'ets';
    }
  } catch {
    return { ...naiveWithEmpiricalInterval(y, H, o.level), periods, model: 'naive' };
  }
  let point = f.point.slice();
  const lower = f.lower?.slice() ?? point.slice();
  const upper = f.upper?.slice() ?? point.slice();
  if (!point.every(Number.isFinite)) return { ...naiveWithEmpiricalInterval(y, H, o.level), periods, model: 'naive' };
  const weights = new Float64Array(H);
  let profileBand: { lo: number; hi: number } | null = null;
  if (o.blend > 0 && periods.length > 0) {
    const period = periods[periods.length - 1]!.steps;
    const prof = seasonalProfile(y, period, H, o.profileTrend);
    profileBand = profileErrorBand(y, period, o.level);
    for (let i = 0; i < H; i++) weights[i] = o.blendRamp ? o.blend * Math.min(1, (i + 1) / period) : o.blend;
    point = point.map((p, i) => (1 - (weights[i] as number)) * p + (weights[i] as number) * (prof[i] as number));
  }
  if (model === 'ets' && o.trendDampingMs > 0 && H > 1) {
    const phi = Math.exp(-input.stepMs / o.trendDampingMs);
    const p1 = f.point[0] as number;
    for (let i = 1; i < H; i++) {
      // the sum of phi^k for k < i replaces i whole steps of trend
      const keep = (1 - phi ** i) / (1 - phi) / i;
      const shift = ((f.point[i] as number) - p1) * (keep - 1);
      point[i] = (point[i] as number) + shift;
      f.point[i] = (f.point[i] as number) + shift;
      lower[i] = (lower[i] as number) + shift;
      upper[i] = (upper[i] as number) + shift;
    }
  }
  for (let i = 0; i < H; i++) {
    const p = point[i] as number;
    const shift = p - (f.point[i] as number);
    const c = o.intervalScale;
    // the interval blends like the point: the model's (rescaled) half-widths and the profile's own past errors
    const w = profileBand === null ? 0 : (weights[i] as number);
    const down = (1 - w) * Math.max(0, p - shift - (lower[i] as number)) * c + w * Math.max(0, -(profileBand?.lo ?? 0));
    const up = (1 - w) * Math.max(0, (upper[i] as number) + shift - p) * c + w * Math.max(0, profileBand?.hi ?? 0);
    lower[i] = p - down;
    upper[i] = p + up;
  }
  return { point, lower, upper, periods, model };
}

/**
 * The profile's own error band: a profile built from the cycles before the last one, compared with the
 * last cycle; the (1−level)/2 and (1+level)/2 quantiles of those errors.
 */
function profileErrorBand(y: Float64Array, p: number, level: number): { lo: number; hi: number } | null {
  const n = y.length;
  const k = Math.min(3, Math.floor(n / p) - 1);
  if (k < 1) return null;
  const errors: number[] = [];
  for (let j = 0; j < p; j++) {
    const vals: number[] = [];
    for (let c = 2; c <= k + 1; c++) vals.push(y[n - c * p + j] as number);
    errors.push((y[n - p + j] as number) - quantile(vals, 0.5));
  }
  const a = (1 - level) / 2;
  return { lo: quantile(errors, a), hi: quantile(errors, 1 - a) };
}

function isConstant(y: Float64Array, window: number): boolean {
  const n = y.length;
  const v = y[n - 1] as number;
  for (let i = Math.max(0, n - window); i < n; i++) if (y[i] !== v) return false;
  return true;
}

/**
 * Median of each phase over the last (up to) three cycles, optionally each moved forward by the series' robust
 * trend (the median seasonal difference per step) so a filling disk keeps filling: a seasonal naive
 * forecast that one odd day cannot move.
 */
function seasonalProfile(y: Float64Array, p: number, H: number, withTrend: boolean): number[] {
  const n = y.length;
  const k = Math.min(3, Math.floor(n / p));
  let slope = 0;
  if (withTrend && n >= 2 * p) {
    const diffs: number[] = [];
    for (let t = Math.max(p, n - 3 * p); t < n; t++) diffs.push(((y[t] as number) - (y[t - p] as number)) / p);
    slope = quantile(diffs, 0.5);
  }
  const out: number[] = [];
  for (let h = 1; h <= H; h++) {
    const phase = (h - 1) % p;
    const vals: number[] = [];
    for (let c = 1; c <= k; c++) vals.push((y[n - c * p + phase] as number) + slope * (n - 1 + h - (n - c * p + phase)));
    out.push(quantile(vals, 0.5));
  }
  return out;
}

/**
 * A flat series forecast as flat: the last value, with an interval from how much the history has moved
 * over the same number of steps (zero width only when the whole history is constant).
 */
function flatForecast(y: Float64Array, H: number, level: number): SeriesForecast {
  return { ...naiveWithEmpiricalInterval(y, H, level), periods: [], model: 'flat' };
}

function naiveWithEmpiricalInterval(y: Float64Array, H: number, level: number): { point: number[]; lower: number[]; upper: number[] } {
  const n = y.length;
  const last = n ? (y[n - 1] as number) : 0;
  const point: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const a = (1 - level) / 2;
  for (let h = 1; h <= H; h++) {
    const changes: number[] = [];
    const stride = Math.max(1, Math.floor((n - h) / 2000));
    for (let t = 0; t + h < n; t += stride) changes.push((y[t + h] as number) - (y[t] as number));
    const lo = changes.length ? quantile(changes, a) : 0;
    const hi = changes.length ? quantile(changes, 1 - a) : 0;
    point.push(last);
    lower.push(last + Math.min(0, lo));
    upper.push(last + Math.max(0, hi));
  }
  return { point, lower, upper };
}
