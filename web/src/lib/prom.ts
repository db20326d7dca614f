import { api, qs } from './api.js';

/** One series of a Prometheus range or instant result, in columnar form with timestamps in ms. */
export interface PromSeries {
  labels: Record<string, string>;
  t: number[];
  v: number[];
}

interface PromResponse {
  status: 'success' | 'error';
  data: { resultType: 'matrix' | 'vector' | 'scalar' | 'string'; result: unknown };
  error?: string;
}

type RawMatrix = { metric: Record<string, string>; values: [number, string][] }[];
type RawVector = { metric: Record<string, string>; value: [number, string] }[];

/** Parses a Prometheus sample value string ("NaN", "+Inf" included). */
export function parsePromValue(s: string): number {
  if (s === '+Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(s);
}

/** Converts a Prometheus `data` object (matrix, vector or scalar) to columnar series. */
export function toSeries(data: PromResponse['data']): PromSeries[] {
  if (data.resultType === 'matrix') {
    return (data.result as RawMatrix).map((r) => ({
      labels: r.metric,
      t: r.values.map((p) => Math.round(p[0] * 1000)),
      v: r.values.map((p) => parsePromValue(p[1])),
    }));
  }
  if (data.resultType === 'vector') {
    return (data.result as RawVector).map((r) => ({
      labels: r.metric,
      t: [Math.round(r.value[0] * 1000)],
      v: [parsePromValue(r.value[1])],
    }));
  }
  if (data.resultType === 'scalar') {
    const [t, v] = data.result as [number, string];
    return [{ labels: {}, t: [Math.round(t * 1000)], v: [parsePromValue(v)] }];
  }
  return [];
}

/** Runs a PromQL range query; times in ms, step in ms. */
export async function queryRange(expr: string, start: number, end: number, stepMs: number, signal?: AbortSignal): Promise<PromSeries[]> {
  const r = await api<PromResponse>(
    `/api/v1/query_range${qs({ query: expr, start: (start / 1000).toFixed(3), end: (end / 1000).toFixed(3), step: `${Math.max(1, Math.round(stepMs / 1000))}s` })}`,
    signal ? { signal } : {},
  );
  return toSeries(r.data);
}

/** Runs a PromQL instant query at `time` (ms, default now). */
export async function queryInstant(expr: string, time?: number, signal?: AbortSignal): Promise<PromSeries[]> {
  const r = await api<PromResponse>(
    `/api/v1/query${qs({ query: expr, time: time === undefined ? undefined : (time / 1000).toFixed(3) })}`,
    signal ? { signal } : {},
  );
  return toSeries(r.data);
}

/** Values of one label among series matching the selectors. */
export async function labelValues(name: string, match?: string[]): Promise<string[]> {
  const r = await api<{ data: string[] }>(`/api/v1/label/${encodeURIComponent(name)}/values${qs({ 'match[]': match })}`);
  return r.data;
}

/** Quotes a label value for a PromQL selector. */
export function promString(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Chooses a query step (ms) giving at most `maxPoints` points over `rangeMs` (about one per pixel of a chart), never below `minStepMs`, on a round value. */
export function chooseStep(rangeMs: number, maxPoints = 600, minStepMs = 10_000): number {
  const raw = Math.max(minStepMs, rangeMs / maxPoints);
  const nice = [10, 15, 30, 60, 120, 180, 240, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
  for (const s of nice) if (s >= raw) return s;
  return Math.ceil(raw / 86_400_000) * 86_400_000;
}
