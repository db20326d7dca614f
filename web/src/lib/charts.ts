import { api, qs } from './api.js';
import { type PromSeries, parsePromValue } from './prom.js';
import { windowedRate } from './step-series.js';

/** Step aggregations of `GET /api/v1/charts` (the store's): `rate` is per second, for counters. */
export type ChartAggregation = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last' | 'rate';

/** One query of a chart request: an aggregation per step bucket over the series a selector matches. */
export interface ChartQuery {
  agg: ChartAggregation;
  /** A series selector such as `{__name__=~"a|b",host="web-1"}`. */
  selector: string;
}

interface ChartsResponse {
  start: number;
  step: number;
  points: number;
  results: { series: { labels: Record<string, string>; values: (number | string | null)[] }[] }[];
}

/** Shortest window a counter's rate is taken over: enough samples at usual intervals (5 s, 10 s, 15 s, 30 s, 60 s). */
export const MIN_RATE_WINDOW_MS = 60_000;

/** A step grid aligned on `step` inside [start, end] (ms), so the store can answer from its rollups. */
export function alignedGrid(start: number, end: number, step: number): number[] {
  const grid: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) grid.push(t);
  return grid;
}

/** Converts one answer value: null (no sample in the bucket) is NaN, `"NaN"`/`"±Inf"` their numbers. */
function bucketValue(v: number | string | null): number {
  return v === null ? Number.NaN : typeof v === 'number' ? v : parsePromValue(v);
}

/**
 * Runs several step-aggregated queries over the grid of [start, end] aligned on `step`, in a single request
 * (`GET /api/v1/charts`). Each result is a list of series whose `t` is the grid and `v` one value per grid point
 * (NaN where empty). Counter rates are taken over a window of at least a minute (see `windowedRate`), read from
 * buckets reaching that far before `start` so the first points are whole.
 */
export async function queryCharts(
  queries: readonly ChartQuery[],
  start: number,
  end: number,
  step: number,
  signal?: AbortSignal,
): Promise<{ grid: number[]; results: PromSeries[][] }> {
  const rateWindow = Math.max(MIN_RATE_WINDOW_MS, step);
  const lead = queries.some((c) => c.agg === 'rate') ? Math.round(rateWindow / step) - 1 : 0;
  const full = alignedGrid(start - lead * step, end, step);
  const grid = full.slice(lead);
  if (grid.length === 0) return { grid, results: queries.map(() => []) };
  const r = await api<ChartsResponse>(
    `/api/v1/charts${qs({ start: full[0], end: full[full.length - 1], step, q: queries.map((c) => `${c.agg}:${c.selector}`) })}`,
    signal ? { signal } : {},
  );
  const results = r.results.map((res, i) =>
    res.series.map((s) => {
      const v = s.values.map(bucketValue);
      return { labels: s.labels, t: grid, v: (queries[i]!.agg === 'rate' ? windowedRate(v, step, rateWindow) : v).slice(lead) };
    }),
  );
  return { grid, results };
}
