import type { SeriesSamples } from '../core/index.js';

/** Scores of one series as the detection engine reports them (a structural subset of its ScoredSeries). */
export interface ScoredSeriesLike {
  labels: Record<string, string>;
  timestamps: number[];
  scores: number[];
  lower: number[];
  upper: number[];
}

/**
 * Turns per-sample detection results into stored series, so PromQL, Grafana and the dashboard can chart them:
 * `vigil_anomaly_score`, `vigil_expected_lower` and `vigil_expected_upper`, with the scored series' labels and
 * its name in `metric`.
 */
export function scoreSeries(scored: readonly ScoredSeriesLike[]): SeriesSamples[] {
  const out: SeriesSamples[] = [];
  for (const s of scored) {
    if (s.timestamps.length === 0) continue;
    const { __name__: metric, ...rest } = s.labels;
    const base = { ...rest, metric: metric ?? '' };
    out.push({ labels: { __name__: 'vigil_anomaly_score', ...base }, timestamps: s.timestamps, values: s.scores });
    out.push({ labels: { __name__: 'vigil_expected_lower', ...base }, timestamps: s.timestamps, values: s.lower });
    out.push({ labels: { __name__: 'vigil_expected_upper', ...base }, timestamps: s.timestamps, values: s.upper });
  }
  return out;
}
