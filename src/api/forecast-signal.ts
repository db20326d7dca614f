import type { ForecastSignal } from '../alerting/index.js';
import type { ForecastResult } from '../forecast/index.js';

/**
 * Turns a forecast into the signal alerting's forecast rules read: the limit, the ETA with its bounds as
 * absolute times, and the probability of crossing within the forecast's horizon. Null for a series without
 * a limit or without an exhaustion estimate.
 */
export function forecastSignal(r: ForecastResult, probability: (withinMs: number) => number, horizonMs: number): ForecastSignal | null {
  const e = r.exhaustion;
  if (r.limit === null || e === null) return null;
  const t = r.generatedAt;
  return {
    series: r.series,
    labels: r.labels,
    t,
    value: r.lastValue,
    limit: r.limit,
    eta: e.etaMs === null ? null : t + e.etaMs,
    etaLow: e.etaLowMs === null ? null : t + e.etaLowMs,
    etaHigh: e.etaHighMs === null ? null : t + e.etaHighMs,
    horizon: horizonMs,
    probability: probability(horizonMs),
    probabilityWithin: probability,
  };
}
