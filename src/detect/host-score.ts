import type { SeriesSamples } from '../core/index.js';

/** Name of the stored series holding each host's score (`vigil_host_anomaly_score{host="…"}`). */
export const HOST_SCORE_METRIC = 'vigil_host_anomaly_score';

/** Host-level scores of one host from one pushed batch. */
export interface HostScoredSeries {
  host: string;
  timestamps: number[];
  /** Host score per row: per-series and multivariate evidence together (`combineHostScore`). */
  scores: number[];
  /** Whether the host's multivariate model was still learning at its last row. */
  learning: boolean;
}

/**
 * Combines one host row's evidence into one calibrated score. Scores are −log10(p)/decades, so the strongest
 * per-series score is corrected for having looked at `seriesCount` series (Bonferroni: −log10(m)/decades), and
 * taking the better of the two families (per-series, multivariate) costs a factor 2. Without a fitted multivariate
 * model (`mv` null) the host score is the corrected per-series one.
 */
export function combineHostScore(seriesMax: number, seriesCount: number, mv: number | null, decades: number): number {
  const perSeries = seriesCount > 0 ? seriesMax - Math.log10(seriesCount) / decades : 0;
  const best = mv === null ? perSeries : Math.max(perSeries, mv) - Math.log10(2) / decades;
  return Math.min(1, Math.max(0, best));
}

/** Turns host scores into stored series (`vigil_host_anomaly_score{host}`), so PromQL and the dashboard can chart them. */
export function hostScoreSeries(scored: readonly HostScoredSeries[]): SeriesSamples[] {
  const out: SeriesSamples[] = [];
  for (const h of scored)
    if (h.timestamps.length > 0)
      out.push({ labels: { __name__: HOST_SCORE_METRIC, host: h.host }, timestamps: h.timestamps, values: h.scores });
  return out;
}
