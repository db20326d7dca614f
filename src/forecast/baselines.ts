import { etsForecast, mstlEtsForecast } from './augurs.js';
import { fillGaps, leastSquares } from './stats.js';
import type { ForecastInput, PointForecast } from './types.js';

const DAY_MS = 86_400_000;
const SIX_HOURS_MS = 6 * 3_600_000;

/** Seasonal naive: repeats the last day (in the series' steps); the last value when the history is shorter than a day. */
export function seasonalNaive(input: ForecastInput): PointForecast {
  const y = fillGaps(input.values);
  const m = Math.max(1, Math.round(DAY_MS / input.stepMs));
  const point: number[] = [];
  for (let h = 1; h <= input.horizon; h++) {
    if (y.length < m) point.push(y[y.length - 1] ?? 0);
    else point.push(y[y.length - m + ((h - 1) % m)] as number);
  }
  return { point };
}

/** Least-squares line over the last 6 h of history, extrapolated: what PromQL `predict_linear` does. */
export function linearTrend(input: ForecastInput): PointForecast {
  const y = fillGaps(input.values);
  const w = Math.max(2, Math.round(SIX_HOURS_MS / input.stepMs));
  const tail = y.subarray(Math.max(0, y.length - w));
  const { slope, intercept } = leastSquares(tail);
  const last = tail.length - 1;
  const point: number[] = [];
  for (let h = 1; h <= input.horizon; h++) point.push(intercept + slope * (last + h));
  return { point };
}

/**
 * augurs off the shelf: MSTL with an AutoETS trend and the daily period (when the history holds two
 * days; AutoETS alone otherwise), on the whole history, with augurs' own 80% intervals.
 */
export function augursOffTheShelf(input: ForecastInput): PointForecast {
  const y = fillGaps(input.values);
  const day = Math.round(DAY_MS / input.stepMs);
  return day >= 2 && y.length >= 2 * day ? mstlEtsForecast(y, [day], input.horizon, 0.8) : etsForecast(y, input.horizon, 0.8);
}
