import { type LabelMatcher, type Labels, matchesAll } from '../core/index.js';
import type { VirtualSeriesProvider } from '../promql/index.js';
import type { SeriesData } from '../tsdb/index.js';
import type { ForecastEngine, ForecastResult } from './engine.js';

const FORECAST = 'vigil_forecast';
const TTE = 'vigil_time_to_exhaustion_seconds';
const BOUNDS = ['point', 'lower', 'upper'] as const;

function baseLabels(r: ForecastResult): Labels {
  const { __name__: name, ...rest } = r.labels;
  return { ...rest, forecast_of: name ?? '', resource: String(r.resource) };
}

function* virtual(r: ForecastResult): Generator<SeriesData> {
  const base = baseLabels(r);
  for (const bound of BOUNDS) {
    yield { labels: { __name__: FORECAST, ...base, bound }, timestamps: r.timestamps, values: r[bound] };
  }
  if (r.exhaustion?.etaMs !== null && r.exhaustion?.etaMs !== undefined) {
    yield { labels: { __name__: TTE, ...base }, timestamps: [r.generatedAt], values: [r.exhaustion.etaMs / 1000] };
  }
}

/**
 * Forecasts as query-API series: `vigil_forecast{bound="point|lower|upper", forecast_of="<metric>", resource, …labels}`
 * at future timestamps and `vigil_time_to_exhaustion_seconds{forecast_of, resource, …labels}` (one sample at the
 * time of the forecast, only while there is an ETA), so Grafana can draw them next to the actual series.
 */
export function forecastSeriesProvider(engine: ForecastEngine): VirtualSeriesProvider {
  const matching = (tenant: string, matchers: readonly LabelMatcher[]): SeriesData[] => {
    const out: SeriesData[] = [];
    for (const r of engine.forecasts(tenant)) for (const s of virtual(r)) if (matchesAll(s.labels, matchers)) out.push(s);
    return out;
  };
  return {
    metricNames: [FORECAST, TTE],
    async series(tenant, matchers, range) {
      return matching(tenant, matchers)
        .filter((s) => range === undefined || s.timestamps.some((t) => t >= range.start && t <= range.end))
        .map((s) => s.labels);
    },
    async select(tenant, matchers, start, end) {
      const out: SeriesData[] = [];
      for (const s of matching(tenant, matchers)) {
        const timestamps: number[] = [];
        const values: number[] = [];
        s.timestamps.forEach((t, i) => {
          if (t >= start && t <= end) {
            timestamps.push(t);
            values.push(s.values[i] as number);
          }
        });
        if (timestamps.length > 0) out.push({ labels: s.labels, timestamps, values });
      }
      return out;
    },
  };
}
