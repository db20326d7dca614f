import { doubleArray, type Labels, normalizeLabels, type SeriesSamples, STALE_NAN } from '../core/index.js';

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

/** The label sets of a series' score and two bands. */
type DerivedLabels = [score: Labels, lower: Labels, upper: Labels];

function derivedLabels(labels: Labels): DerivedLabels {
  const { __name__: metric, ...rest } = labels;
  const base = { ...rest, metric: metric ?? '' };
  return [
    { __name__: 'vigil_anomaly_score', ...base },
    { __name__: 'vigil_expected_lower', ...base },
    { __name__: 'vigil_expected_upper', ...base },
  ];
}

/**
 * Turns per-sample detection results into stored series, so PromQL, Grafana and the dashboard can chart them:
 * `vigil_anomaly_score`, `vigil_expected_lower` and `vigil_expected_upper`, with the scored series' labels and
 * its name in `metric`. When the scored series ended with a staleness marker, the three end with one too, so they
 * go stale with it instead of answering their last value for the lookback.
 */
export function scoreSeries<S extends ScoredSeriesLike>(
  scored: readonly S[],
  labelsOf: (s: S) => DerivedLabels = (s) => derivedLabels(s.labels),
): SeriesSamples[] {
  const out: SeriesSamples[] = [];
  for (const s of scored) {
    if (s.timestamps.length === 0 && s.endedAt === undefined) continue;
    const [score, lower, upper] = labelsOf(s);
    out.push({ labels: score, ...ending(s.timestamps, s.scores, s.endedAt) });
    out.push({ labels: lower, ...ending(s.timestamps, s.lower, s.endedAt) });
    out.push({ labels: upper, ...ending(s.timestamps, s.upper, s.endedAt) });
  }
  return out;
}

/**
 * `scoreSeries` for one server: each series' three label sets are built once, in canonical form and frozen, and
 * handed to the store batch after batch, so the store finds their series by object instead of building their
 * identity again (it was a large part of the main thread's work when every sample is scored). At most
 * `maxSeries` series are remembered; then the memory starts afresh.
 */
export class ScoreSeriesBuilder {
  private readonly cache = new Map<string, DerivedLabels>();

  constructor(private readonly maxSeries = 200_000) {}

  /** The stored series of one scored batch of `tenant`. */
  build(tenant: string, scored: readonly (ScoredSeriesLike & { series: string })[]): SeriesSamples[] {
    return scoreSeries(scored, (s) => {
      const key = `${tenant}\u0000${s.series}`;
      let labels = this.cache.get(key);
      if (labels === undefined) {
        if (this.cache.size >= this.maxSeries) this.cache.clear();
        labels = derivedLabels(s.labels).map((l) => Object.freeze(normalizeLabels(l))) as DerivedLabels;
        this.cache.set(key, labels);
      }
      return labels;
    });
  }
}
