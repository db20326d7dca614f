import type { Labels, SeriesSamples } from '../../core/index.js';
import { VigilError } from '../../core/index.js';

/** Options for reading history from a Prometheus server's HTTP API. */
export interface PrometheusReadOptions {
  /** Base URL, e.g. http://prometheus:9090. */
  url: string;
  /** Series selector, e.g. `{job="node"}`. */
  match: string;
  start: number;
  end: number;
  /** Time window fetched per request (raw samples of every matching series in it). Default 2 h. */
  windowMs?: number;
  /** Extra request headers (basic auth, bearer). */
  headers?: Record<string, string>;
  fetchImpl?: typeof fetch;
}

interface MatrixResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Labels; values: [number, string][] }[] };
}

function parsePromValue(s: string): number {
  if (s === '+Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(s);
}

/**
 * Reads raw samples from Prometheus window by window, oldest first, with range-vector queries
 * (`selector[window]` evaluated at each window's end), so every sample comes back exactly as stored.
 * Yields one batch per window; `progress` is the fraction of the time range done.
 */
export async function* readPrometheus(opts: PrometheusReadOptions): AsyncGenerator<{ batch: SeriesSamples[]; progress: number }> {
  const windowMs = opts.windowMs ?? 2 * 3_600_000;
  const doFetch = opts.fetchImpl ?? fetch;
  const windowS = Math.round(windowMs / 1000);
  for (let from = opts.start; from < opts.end; from += windowMs) {
    const to = Math.min(opts.end, from + windowMs);
    const u = new URL('/api/v1/query', opts.url);
    u.search = new URLSearchParams({ query: `${opts.match}[${windowS}s]`, time: String(to / 1000) }).toString();
    const res = await doFetch(u, { headers: opts.headers ?? {} });
    const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }))) as MatrixResponse;
    if (body.status !== 'success' || !body.data)
      throw new VigilError('BAD_REQUEST', `Prometheus answered: ${body.error ?? `HTTP ${res.status}`}`);
    const batch: SeriesSamples[] = [];
    for (const r of body.data.result) {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (const [t, v] of r.values) {
        const ms = Math.round(t * 1000);
        if (ms <= from && from !== opts.start) continue; // the previous window had it
        timestamps.push(ms);
        values.push(parsePromValue(v));
      }
      if (timestamps.length > 0) batch.push({ labels: r.metric, timestamps, values });
    }
    yield { batch, progress: (to - opts.start) / Math.max(1, opts.end - opts.start) };
  }
}
