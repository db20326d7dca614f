import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { compress } from 'snappy';
import { DEFAULT_TENANT, mulberry32, type SeriesSamples, silentLogger } from '../src/core/index.js';
import { encodeWriteRequest } from '../src/ingest/index.js';
import { registerPromApiRoutes } from '../src/promql/index.js';
import { type ApiData, diffResults } from '../src/promql/testing/compare.js';
import { openStorage } from '../src/tsdb/index.js';
import { binaryAvailable, type PeerProcess, PROMETHEUS_BIN, startPrometheus } from '../test/support/prometheus.js';
import type { BenchOptions, BenchResult } from './types.js';

/** One sentence for `vigil bench --help`. */
export const description =
  "PromQL query latency per query class over the HTTP API, Vigil (embedded store) next to Debian's Prometheus loaded with the same synthetic host metrics, in the same run";

const STEP_MS = 60_000;
const MODES = ['idle', 'user', 'system', 'iowait'];
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

const rng = mulberry32;

/** Synthetic node_exporter-like series per host: CPU counters, memory gauges, load, a latency histogram. */
function generate(hosts: number, start: number, points: number): SeriesSamples[] {
  const out: SeriesSamples[] = [];
  const ts = Array.from({ length: points }, (_, i) => start + i * STEP_MS);
  for (let h = 0; h < hosts; h++) {
    const r = rng(h + 1);
    const host = `host-${String(h).padStart(3, '0')}`;
    const base = { instance: `${host}:9100`, job: 'node', host };
    for (let cpu = 0; cpu < 4; cpu++) {
      for (const mode of MODES) {
        const speed = mode === 'idle' ? 40 : mode === 'user' ? 12 + 8 * r() : 3 * r();
        let c = 1000 * r();
        out.push({
          labels: { __name__: 'node_cpu_seconds_total', ...base, cpu: String(cpu), mode },
          timestamps: ts,
          values: ts.map(() => {
            // Unrounded, so no two series tie in topk (Prometheus breaks ties by input order, which differs).
            c += speed * (0.8 + 0.4 * r());
            return c;
          }),
        });
      }
    }
    const total = 16 * 2 ** 30;
    let avail = total * (0.3 + 0.5 * r());
    out.push({ labels: { __name__: 'node_memory_MemTotal_bytes', ...base }, timestamps: ts, values: ts.map(() => total) });
    out.push({
      labels: { __name__: 'node_memory_MemAvailable_bytes', ...base },
      timestamps: ts,
      values: ts.map(() => {
        avail = Math.min(total, Math.max(0, avail + (r() - 0.52) * 2 ** 24));
        return Math.round(avail / 4096) * 4096;
      }),
    });
    out.push({
      labels: { __name__: 'node_load1', ...base },
      timestamps: ts,
      values: ts.map((t) => Math.round((1 + Math.sin(t / 3_600_000) + r()) * 100) / 100),
    });
    const counts = new Array<number>(LE.length).fill(0);
    const bucketValues: number[][] = LE.map(() => []);
    for (let i = 0; i < points; i++) {
      const requests = Math.floor(50 + 50 * r());
      for (let k = 0; k < requests; k++) {
        const latency = -Math.log(1 - r()) * 0.08;
        for (let b = 0; b < LE.length; b++) if (LE[b] === '+Inf' || latency <= Number(LE[b])) (counts[b] as number)++;
      }
      for (let b = 0; b < LE.length; b++) (bucketValues[b] as number[]).push(counts[b] as number);
    }
    LE.forEach((le, b) => {
      out.push({
        labels: { __name__: 'http_request_duration_seconds_bucket', ...base, le },
        timestamps: ts,
        values: bucketValues[b] as number[],
      });
    });
  }
  for (const s of out) {
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(s.labels).sort()) sorted[k] = s.labels[k] as string;
    s.labels = sorted;
  }
  return out;
}

/** Slices of `slice` points of every series, oldest first, so Prometheus' head accepts them in time order. */
function* timeSlices(series: SeriesSamples[], points: number, slice: number): Generator<SeriesSamples[]> {
  for (let i = 0; i < points; i += slice) {
    yield series.map((s) => ({ labels: s.labels, timestamps: s.timestamps.slice(i, i + slice), values: s.values.slice(i, i + slice) }));
  }
}

async function loadPrometheus(prom: PeerProcess, series: SeriesSamples[], points: number): Promise<void> {
  for (const batch of timeSlices(series, points, 10)) {
    for (let i = 0; i < batch.length; i += 2000) {
      const body = await compress(encodeWriteRequest(batch.slice(i, i + 2000)));
      const res = await fetch(`${prom.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body,
      });
      if (!res.ok) throw new Error(`Prometheus refused remote_write: ${res.status} ${await res.text()}`);
    }
  }
}

interface QueryClass {
  name: string;
  path: '/api/v1/query' | '/api/v1/query_range';
  query: string;
  stepMs?: number;
}

const CLASSES: QueryClass[] = [
  { name: 'selector_1_series_range', path: '/api/v1/query_range', query: 'node_load1{host="host-000"}', stepMs: 60_000 },
  { name: 'rate_sum_by_range', path: '/api/v1/query_range', query: 'sum by (mode) (rate(node_cpu_seconds_total[5m]))', stepMs: 300_000 },
  {
    name: 'binary_avg_by_range',
    path: '/api/v1/query_range',
    query: 'avg by (host) (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)',
    stepMs: 300_000,
  },
  {
    name: 'histogram_quantile_range',
    path: '/api/v1/query_range',
    query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
    stepMs: 300_000,
  },
  { name: 'topk_range', path: '/api/v1/query_range', query: 'topk(5, rate(node_cpu_seconds_total{mode="user"}[5m]))', stepMs: 300_000 },
  { name: 'max_over_time_range', path: '/api/v1/query_range', query: 'max_over_time(node_load1[1h])', stepMs: 300_000 },
  { name: 'fleet_cpu_instant', path: '/api/v1/query', query: 'sum by (host) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))' },
  { name: 'predict_linear_instant', path: '/api/v1/query', query: 'predict_linear(node_memory_MemAvailable_bytes[1h], 4 * 3600)' },
];

async function timeQuery(base: string, c: QueryClass, start: number, end: number): Promise<{ ms: number; data: ApiData }> {
  const params: Record<string, string> =
    c.path === '/api/v1/query'
      ? { query: c.query, time: String(end / 1000) }
      : { query: c.query, start: String(start / 1000), end: String(end / 1000), step: String((c.stepMs ?? STEP_MS) / 1000) };
  const t0 = performance.now();
  const res = await fetch(`${base}${c.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await res.json()) as { status: string; data: ApiData; error?: string };
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`${base} ${c.name}: ${body.error}`);
  return { ms, data: body.data };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Generates the same synthetic fleet for both stores (hosts × 29 series, one sample a minute), appends it to a
 * fresh embedded store behind Vigil's query routes and remote-writes it to a fresh Prometheus, then runs every
 * query class against both over HTTP: one warm-up, then the median of `runs` timed runs each, alternating.
 * Also checks that both answer the same (series, timestamps, values within 1e-9 relative).
 */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const hosts = opts.quick ? 20 : 100;
  const hours = opts.quick ? 6 : 24;
  const runs = opts.quick ? 3 : 7;
  const points = (hours * 3_600_000) / STEP_MS;
  const end = Math.floor(Date.now() / STEP_MS) * STEP_MS - STEP_MS;
  const start = end - (points - 1) * STEP_MS;
  const series = generate(hosts, start, points);
  const samples = series.length * points;
  opts.log(`query bench: ${hosts} hosts, ${series.length} series, ${samples} samples over ${hours} h`);

  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-query-'));
  const storage = await openStorage({ dir, logger: silentLogger() });
  const app = Fastify({ bodyLimit: 16 << 20 });
  app.addHook('onRequest', async (req) => {
    req.tenant = DEFAULT_TENANT;
  });
  registerPromApiRoutes(app, { querier: storage, logger: silentLogger() });
  let prom: PeerProcess | undefined;
  try {
    for (const batch of timeSlices(series, points, 120)) {
      const r = await storage.append(DEFAULT_TENANT, batch);
      if (r.rejected.length > 0) throw new Error(`Vigil store refused ${r.rejected.length} samples: ${JSON.stringify(r.rejected[0])}`);
    }
    const vigilUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    let prometheusReason: string | null = null;
    if (!binaryAvailable(PROMETHEUS_BIN)) prometheusReason = `prometheus not installed at ${PROMETHEUS_BIN}`;
    else {
      prom = await startPrometheus({ remoteWriteReceiver: true });
      await loadPrometheus(prom, series, points);
    }
    const vigilMs: Record<string, number> = {};
    const prometheusMs: Record<string, number> | null = prom === undefined ? null : {};
    const resultsMatch: Record<string, boolean> = {};
    for (const c of CLASSES) {
      const qStart = c.path === '/api/v1/query_range' ? start + 3_600_000 : end;
      const v0 = await timeQuery(vigilUrl, c, qStart, end);
      const p0 = prom === undefined ? undefined : await timeQuery(prom.url, c, qStart, end);
      if (p0 !== undefined) {
        const diffs = diffResults(p0.data, v0.data);
        resultsMatch[c.name] = diffs.length === 0;
        if (diffs.length > 0) opts.log(`  ${c.name}: answers differ: ${diffs.slice(0, 2).join('; ')}`);
      }
      const vt: number[] = [];
      const pt: number[] = [];
      for (let i = 0; i < runs; i++) {
        vt.push((await timeQuery(vigilUrl, c, qStart, end)).ms);
        if (prom !== undefined) pt.push((await timeQuery(prom.url, c, qStart, end)).ms);
      }
      vigilMs[c.name] = round(median(vt));
      if (prometheusMs !== null) prometheusMs[c.name] = round(median(pt));
      opts.log(`  ${c.name}: vigil ${vigilMs[c.name]} ms, prometheus ${prometheusMs?.[c.name] ?? 'n/a'} ms`);
    }
    // How much of the heaviest class is the store's own read: the raw select that rate_sum_by_range needs.
    const selectRuns: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await storage.select(
        DEFAULT_TENANT,
        [{ name: '__name__', op: '=', value: 'node_cpu_seconds_total' }],
        start + 3_600_000 - 300_000,
        end,
      );
      selectRuns.push(performance.now() - t0);
    }
    const result: BenchResult = {
      vigil_store_select_cpu_ms: round(median(selectRuns)),
      vigil_ms: vigilMs,
      prometheus_ms: prometheusMs,
      results_match: resultsMatch,
      hosts,
      series: series.length,
      samples,
      span_hours: hours,
      runs_per_class: runs,
    };
    if (prometheusReason !== null) result.prometheus_reason = prometheusReason;
    return result;
  } finally {
    await prom?.stop();
    await app.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
