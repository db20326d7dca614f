import { estimateExhaustion } from './exhaustion.js';
import { forecastSeries } from './forecaster.js';
import type { ForecastJob, ForecastJobResult } from './protocol.js';

/**
 * Forecasts one job: downsamples a history longer than `maxPoints` by averaging whole groups of steps
 * (keeping the last sample at the end of a group), then runs the forecaster and, with a limit, the
 * time-to-exhaustion estimate. Never throws: a failure becomes `error` on the result.
 */
export function runForecastJob(job: ForecastJob, maxPoints: number): ForecastJobResult {
  let values = job.values;
  let stepMs = job.stepMs;
  let horizon = job.horizon;
  if (values.length > maxPoints) {
    const g = Math.ceil(values.length / maxPoints);
    values = downsample(values, g);
    stepMs *= g;
    horizon = Math.max(1, Math.ceil(horizon / g));
  }
  let first = 0;
  while (first < values.length && !Number.isFinite(values[first] as number)) first++;
  values = values.slice(first);
  try {
    if (values.length === 0) throw new Error('no samples in the history window');
    const f = forecastSeries({ values, stepMs, horizon, endTime: job.endTime });
    const exhaustion = job.limit === null ? null : estimateExhaustion({ values, stepMs, limit: job.limit });
    return { series: job.series, point: f.point, lower: f.lower, upper: f.upper, periods: f.periods, model: f.model, exhaustion, stepMs };
  } catch (e) {
    return {
      series: job.series,
      point: [],
      lower: [],
      upper: [],
      periods: [],
      model: 'none',
      exhaustion: null,
      stepMs,
      error: e instanceof Error ? e.message : String(e),
    };
  }
}

/** Averages groups of `g` values aligned to the end (the newest group is complete); NaNs are skipped. */
function downsample(values: number[], g: number): number[] {
  const out: number[] = [];
  const offset = values.length % g;
  for (let s = offset === 0 ? 0 : offset - g; s < values.length; s += g) {
    let sum = 0;
    let n = 0;
    for (let i = Math.max(0, s); i < s + g; i++) {
      const v = values[i] as number;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    out.push(n ? sum / n : Number.NaN);
  }
  return out;
}
