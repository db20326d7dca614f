import { doubleArray, type SeriesSamples, STALE_NAN } from '../core/index.js';

/** Scores of one series as the detection engine reports them (a structural subset of its ScoredSeries). */
export interface ScoredSeriesLike {
  labels: Record<string, string>;
  timestamps: number[];
  scores: number[];
  lower: number[];
  upper: number[];
  /** The scored series ended (a staleness marker) at this time, after its samples here. */
  endedAt?: number;
}

/** `values` at `timestamps`, then a staleness marker at `endedAt` when it is set. */
function ending(timestamps: number[], values: number[], endedAt: number | undefined): Pick<SeriesSamples, 'timestamps' | 'values'> {
  if (endedAt === undefined) return { timestamps, values };
  // A double array keeps the marker's NaN payload (src/core/stale.ts).
  const vs = doubleArray();
  for (const v of values) vs.push(v);
  vs.push(STALE_NAN);
  return { timestamps: [...timestamps, endedAt], values: vs };
}

/**
 * Turns per-sample detection results into stored series, so PromQL, Grafana and the dashboard can chart them:
 * `vigil_anomaly_score`, `vigil_expected_lower` and `vigil_expected_upper`, with the scored series' labels and
 * its name in `metric`. When the scored series ended with a staleness marker, the three end with one too, so they
 * go stale with it instead of answering their last value for the lookback.
 */
export function scoreSeries(scored: readonly ScoredSeriesLike[]): SeriesSamples[] {
  const out: SeriesSamples[] = [];
  for (const s of scored) {
    if (s.timestamps.length === 0 && s.endedAt === undefined) continue;
    const { __name__: metric, ...rest } = s.labels;
    const base = { ...rest, metric: metric ?? '' };
    out.push({ labels: { __name__: 'vigil_anomaly_score', ...base }, ...ending(s.timestamps, s.scores, s.endedAt) });
    out.push({ labels: { __name__: 'vigil_expected_lower', ...base }, ...ending(s.timestamps, s.lower, s.endedAt) });
    out.push({ labels: { __name__: 'vigil_expected_upper', ...base }, ...ending(s.timestamps, s.upper, s.endedAt) });
  }
  return out;
}
