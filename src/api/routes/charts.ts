import type { FastifyInstance } from 'fastify';
import { floatToJson, type LabelMatcher, type Labels, matchesOne, parseSelector, seriesKey, VigilError } from '../../core/index.js';
import type { Querier, StepAggregation } from '../../tsdb/index.js';

/** Aggregations a chart query may ask for (the store's step aggregations). */
export const CHART_AGGREGATIONS: readonly StepAggregation[] = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate'];

/** What the chart route needs. */
export interface ChartRouteDeps {
  /** The store; `selectStep` answers from rollups where the step allows. */
  querier: Querier;
  /** Most `q` parameters one request may carry; default 20. */
  maxQueries?: number;
  /** Most points (buckets) per series; default 11,000 as Prometheus' query_range. */
  maxPoints?: number;
  /** Most values (series × points) one answer may hold; default 2,000,000. */
  maxValues?: number;
}

/** One `q` parameter: a step aggregation over the series a selector matches. */
export interface ChartQuery {
  agg: StepAggregation;
  matchers: LabelMatcher[];
}

/** One series of a chart answer: its labels and one value per bucket (`null`: no sample in the bucket). */
export interface ChartSeries {
  labels: Labels;
  values: (number | string | null)[];
}

/** Parses `<agg>:<selector>`, e.g. `rate:node_cpu_seconds_total{host="web-1"}`; throws BAD_QUERY naming the problem. */
export function parseChartQuery(text: string): ChartQuery {
  const colon = text.indexOf(':');
  const agg = text.slice(0, colon) as StepAggregation;
  if (colon < 0 || !CHART_AGGREGATIONS.includes(agg))
    throw new VigilError(
      'BAD_QUERY',
      `q "${text.slice(0, 80)}": expected <aggregation>:<selector>, aggregation one of ${CHART_AGGREGATIONS.join(', ')}`,
    );
  let matchers: LabelMatcher[];
  try {
    matchers = parseSelector(text.slice(colon + 1));
  } catch (e) {
    throw new VigilError('BAD_QUERY', `q "${text.slice(0, 80)}": ${(e as Error).message}`);
  }
  // As in PromQL: a selector every series would match (`{}`, `{job=~".*"}`) is refused.
  if (matchers.every((m) => matchesOne({}, m)))
    throw new VigilError(
      'BAD_QUERY',
      `q "${text.slice(0, 80)}": the selector needs at least one matcher that does not match the empty string`,
    );
  return { agg, matchers };
}

function intParam(q: Record<string, unknown>, name: string): number {
  const raw = q[name];
  const n = typeof raw === 'string' && raw !== '' ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new VigilError('BAD_REQUEST', `${name} must be an integer (Unix ms; step in ms)`);
  return n;
}

/** Spreads step-aligned samples onto the dense grid `start + k*step`, k = 0…points−1. */
function onGrid(
  timestamps: readonly number[],
  values: readonly number[],
  start: number,
  step: number,
  points: number,
): (number | string | null)[] {
  const out = new Array<number | string | null>(points).fill(null);
  for (let i = 0; i < timestamps.length; i++) {
    const k = Math.round(((timestamps[i] as number) - start) / step);
    if (k >= 0 && k < points) out[k] = floatToJson(values[i] as number);
  }
  return out;
}

/**
 * `GET /api/v1/charts?start=&end=&step=&q=<agg>:<selector>…` → `{ start, step, points, results: [{ series }] }`:
 * for each `q`, every matching series aggregated per step bucket by the store (bucket k ends at
 * `start + k*step` and covers `(end_k − step, end_k]`; rollups are read when `start` and `step` are multiples
 * of 1 min or 1 h), as one dense array of `points` values per series. What the dashboard's charts draw: all
 * series of a page in one request, without evaluating PromQL over raw samples.
 */
export function registerChartRoutes(app: FastifyInstance, deps: ChartRouteDeps): void {
  const maxQueries = deps.maxQueries ?? 20;
  const maxPoints = deps.maxPoints ?? 11_000;
  const maxValues = deps.maxValues ?? 2_000_000;
  app.get('/api/v1/charts', { config: { auth: 'read' } }, async (req) => {
    const q = req.query as Record<string, unknown>;
    const start = intParam(q, 'start');
    const end = intParam(q, 'end');
    const step = intParam(q, 'step');
    if (step <= 0) throw new VigilError('BAD_REQUEST', 'step must be > 0');
    if (end < start) throw new VigilError('BAD_REQUEST', 'end must not be before start');
    const points = Math.floor((end - start) / step) + 1;
    if (points > maxPoints) throw new VigilError('BAD_REQUEST', `at most ${maxPoints} points per series; use a larger step`);
    const raw = q.q;
    const texts = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string');
    if (texts.length === 0) throw new VigilError('BAD_REQUEST', 'at least one q=<aggregation>:<selector> is required');
    if (texts.length > maxQueries) throw new VigilError('BAD_REQUEST', `at most ${maxQueries} q parameters per request`);
    const queries = texts.map(parseChartQuery);
    const data = await Promise.all(queries.map((c) => deps.querier.selectStep(req.tenant, c.matchers, { start, end, step, agg: c.agg })));
    let values = 0;
    for (const d of data) values += d.length * points;
    if (values > maxValues)
      throw new VigilError('BAD_QUERY', `the answer would hold ${values} values (at most ${maxValues}); narrow the selectors`);
    const results = data.map((series) => ({
      series: series
        .map((s) => ({ key: seriesKey(s.labels), s }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map(({ s }): ChartSeries => ({ labels: s.labels, values: onGrid(s.timestamps, s.values, start, step, points) })),
    }));
    return { start, step, points, results };
  });
}
