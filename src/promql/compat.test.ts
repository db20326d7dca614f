/**
 * Compatibility test against the real thing: Debian's `prometheus` scrapes Debian's `prometheus-node-exporter`
 * (and itself) every second and remote-writes every sample to a Vigil (remote_write route → ingest pipeline →
 * embedded store → this part's query routes). The same PromQL queries then run against both HTTP APIs and the
 * answers must agree: same series, same timestamps, values within 1e-9 relative.
 * `VIGIL_COMPAT_STORE=memory` swaps the embedded store for the in-memory test fixture, to tell an engine
 * difference from a storage one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PeerProcess, scrapeConfig, startNodeExporter, startPrometheus } from '../../test/support/prometheus.js';
import { DEFAULT_TENANT, silentLogger } from '../core/index.js';
import { IngestPipeline, registerRemoteWriteRoutes } from '../ingest/index.js';
import { openStorage, type Storage } from '../tsdb/index.js';
import { registerPromApiRoutes } from './http.js';
import { type ApiData, diffResults } from './testing/compare.js';
import { MemoryQuerier } from './testing/memory-querier.js';

function memoryStorage(): Storage {
  const m = new MemoryQuerier();
  return Object.assign(m, {
    close: async () => {},
    stats: async () => ({ series: 0, headSamples: 0, chunks: 0, diskBytes: 0 }),
  });
}

interface Case {
  q: string;
  /** Also run as a range query (instant-vector and scalar expressions). */
  range?: boolean;
  /** The answer may legitimately be empty. */
  mayBeEmpty?: boolean;
  /** Series order matters (sort/sort_desc in an instant query). */
  ordered?: boolean;
}

async function api(base: string, path: string, params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('PromQL compatibility with Prometheus on live node_exporter data', () => {
  let nodeExporter: PeerProcess;
  let prometheus: PeerProcess;
  let vigil: FastifyInstance;
  let vigilUrl: string;
  let storage: Storage;
  let dir: string;
  let tEnd: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-promql-compat-'));
    storage = process.env.VIGIL_COMPAT_STORE === 'memory' ? memoryStorage() : await openStorage({ dir, logger: silentLogger() });
    const pipeline = new IngestPipeline({ storage, logger: silentLogger(), registry: new Registry() });
    vigil = Fastify({ bodyLimit: 64 << 20 });
    vigil.addHook('onRequest', async (req) => {
      req.tenant = DEFAULT_TENANT;
    });
    registerRemoteWriteRoutes(vigil, { pipeline, logger: silentLogger(), bodyLimit: 64 << 20, maxSamplesPerRequest: 1_000_000 });
    registerPromApiRoutes(vigil, { querier: storage, logger: silentLogger() });
    vigilUrl = await vigil.listen({ host: '127.0.0.1', port: 0 });
    nodeExporter = await startNodeExporter();
    prometheus = await startPrometheus({
      scrapeSelf: true,
      scrapeConfigs: [scrapeConfig('node', [nodeExporter.address])],
      remoteWrite: [
        {
          url: `${vigilUrl}/api/v1/write`,
          queue_config: { batch_send_deadline: '500ms', max_samples_per_send: 5000, min_backoff: '50ms', max_backoff: '500ms' },
        },
      ],
    });
    // Prometheus starts scraping a few seconds after it reports ready: wait for 14 scrapes of node_exporter.
    const scrapes = { query: 'count_over_time(up{job="node"}[1h])' };
    const scrapeDeadline = Date.now() + 45_000;
    for (;;) {
      const r = await api(prometheus.url, '/api/v1/query', { ...scrapes, time: String(Date.now() / 1000) });
      const result = (r.body.data as ApiData | undefined)?.result as { value: [number, string] }[] | undefined;
      if (Number(result?.[0]?.value[1] ?? 0) >= 14) break;
      if (Date.now() > scrapeDeadline) throw new Error(`Prometheus did not scrape node_exporter 14 times: ${JSON.stringify(r.body)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    tEnd = Date.now() - 1500;
    // Wait until Vigil holds every sample Prometheus holds up to tEnd (remote_write batches lag a little).
    const rawQuery = { query: '{__name__=~".+"}[1h]', time: String(tEnd / 1000) };
    const points = (body: Record<string, unknown>): number => {
      const data = body.data as ApiData | undefined;
      if (data === undefined || !Array.isArray(data.result)) return -1;
      return (data.result as { values?: unknown[] }[]).reduce((n, s) => n + (s.values?.length ?? 0), 0);
    };
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [p, v] = await Promise.all([api(prometheus.url, '/api/v1/query', rawQuery), api(vigilUrl, '/api/v1/query', rawQuery)]);
      const pc = points(p.body);
      const vc = points(v.body);
      if (pc === vc && pc > 0) break;
      if (Date.now() > deadline)
        throw new Error(`Vigil never caught up with Prometheus: ${pc} vs ${vc} raw samples; ${JSON.stringify(v.body).slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await nodeExporter?.stop();
    await vigil?.close();
    await storage?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const cases = (): Case[] => {
    const tMid = ((tEnd - 4000) / 1000).toFixed(3);
    const cpu = 'node_cpu_seconds_total';
    return [
      // selectors, all four matchers, offset, @
      { q: 'up', range: true },
      { q: 'node_load1', range: true },
      { q: `${cpu}{mode="idle"}`, range: true },
      { q: `${cpu}{mode!="idle"}`, range: true },
      { q: `${cpu}{mode=~"user|system"}`, range: true },
      { q: `${cpu}{mode!~"i.*|n.*"}`, range: true },
      { q: '{__name__=~"node_memory_Mem.*_bytes"}', range: true },
      { q: 'node_load1 offset 3s', range: true },
      { q: `node_memory_MemFree_bytes @ ${tMid}`, range: true },
      { q: `node_memory_Active_bytes offset 2s @ ${tMid}` },
      { q: 'node_memory_MemFree_bytes[4s]' },
      { q: 'up[3s] offset 2s' },
      // range functions
      { q: `rate(${cpu}[5s])`, range: true },
      { q: `irate(${cpu}[5s])`, range: true },
      { q: 'increase(node_network_receive_bytes_total[5s])', range: true },
      { q: 'delta(node_memory_MemFree_bytes[5s])', range: true },
      { q: 'idelta(node_memory_MemFree_bytes[5s])', range: true },
      { q: 'deriv(node_memory_MemFree_bytes[6s])', range: true },
      { q: 'predict_linear(node_memory_MemFree_bytes[6s], 3600)', range: true },
      { q: 'avg_over_time(node_load1[5s])', range: true },
      { q: 'min_over_time(node_memory_MemFree_bytes[5s])', range: true },
      { q: 'max_over_time(node_memory_MemFree_bytes[5s])', range: true },
      { q: 'sum_over_time(node_load1[5s])', range: true },
      { q: 'count_over_time(up[5s])', range: true },
      { q: 'quantile_over_time(0.9, node_memory_MemFree_bytes[6s])', range: true },
      { q: 'stddev_over_time(node_memory_Active_bytes[6s])', range: true },
      { q: 'stdvar_over_time(process_resident_memory_bytes[6s])', range: true },
      { q: 'last_over_time(node_load1[5s])', range: true },
      { q: 'present_over_time(up[5s])', range: true },
      { q: 'changes(process_resident_memory_bytes[6s])', range: true },
      { q: `resets(${cpu}[6s])`, range: true },
      { q: 'rate(prometheus_http_requests_total[4s] offset 2s)', range: true },
      { q: `rate(${cpu}[5s] @ ${tMid})`, range: true },
      // histograms
      { q: 'histogram_quantile(0.9, rate(prometheus_http_request_duration_seconds_bucket[5s]))', range: true },
      { q: 'histogram_quantile(0.5, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[5s])))', range: true },
      { q: 'histogram_quantile(0.99, prometheus_http_response_size_bytes_bucket)', range: true },
      {
        q: 'histogram_quantile(0.75, sum by (le, job) (prometheus_tsdb_compaction_chunk_range_seconds_bucket))',
        range: true,
        mayBeEmpty: true,
      },
      // aggregations
      { q: `sum(rate(${cpu}[5s]))`, range: true },
      { q: `sum by (mode) (rate(${cpu}[5s]))`, range: true },
      { q: `avg without (cpu) (rate(${cpu}[5s]))`, range: true },
      { q: `min by (cpu) (${cpu})`, range: true },
      { q: `max(${cpu}) by (mode)`, range: true },
      { q: `count by (mode) (${cpu})`, range: true },
      { q: `topk(3, ${cpu})`, range: true },
      { q: `bottomk(1, ${cpu}{mode="idle"})`, range: true },
      { q: `topk by (mode) (1, ${cpu}{mode=~"idle|user|system"})`, range: true },
      { q: `quantile(0.75, ${cpu})`, range: true },
      { q: `quantile by (mode) (0.5, rate(${cpu}[5s]))`, range: true },
      { q: `stddev by (mode) (${cpu})`, range: true },
      { q: 'stdvar(process_resident_memory_bytes)', range: true },
      { q: `count(count by (cpu) (${cpu}))`, range: true },
      { q: `group by (mode) (${cpu})`, range: true },
      { q: 'sum without (code) (rate(prometheus_http_requests_total[5s]))', range: true },
      // binary operators and vector matching
      { q: 'node_memory_MemFree_bytes / node_memory_MemTotal_bytes', range: true },
      { q: 'node_memory_MemAvailable_bytes / on(instance) node_memory_MemTotal_bytes * 100', range: true },
      { q: `${cpu} / ignoring(mode) group_left sum without (mode) (${cpu})`, range: true },
      { q: `sum by (cpu) (${cpu}) / on(cpu) group_right ${cpu}`, range: true },
      { q: `${cpu} * on(cpu, instance) group_left(job) sum by (cpu, instance, job) (${cpu}{mode="idle"})`, range: true },
      { q: 'node_load1 >= 0', range: true },
      { q: 'node_load1 > bool 1000', range: true },
      { q: '0 <= node_load1', range: true },
      { q: `${cpu}{mode="idle"} > on(cpu) ${cpu}{mode="user"}`, range: true, mayBeEmpty: true },
      { q: `${cpu}{mode="idle"} >= bool ignoring(mode) ${cpu}{mode="user"}`, range: true },
      { q: `${cpu} != bool ${cpu} offset 2s`, range: true },
      { q: '2 * node_load1 + 1', range: true },
      { q: '100 - node_load1 ^ 2 % 7', range: true },
      { q: 'node_memory_MemFree_bytes - node_memory_MemFree_bytes offset 3s', range: true },
      { q: 'up == 1', range: true },
      { q: '-node_load1', range: true },
      { q: '1 + 2 * 3 - 4 / 8', range: true },
      { q: '10 > bool 3', range: true },
      { q: 'up and on() vector(1)', range: true },
      { q: 'node_load1 or vector(0)', range: true },
      { q: `${cpu} unless ${cpu}{mode="idle"}`, range: true },
      { q: `${cpu} + on() ${cpu}` },
      // other functions
      { q: 'abs(-node_load1)', range: true },
      { q: 'floor(node_load1 * 10) + ceil(node_load5 * 10)', range: true },
      { q: 'clamp(node_load1, 0.1, 0.5)', range: true },
      { q: 'clamp_min(node_load1, 1)', range: true },
      { q: 'clamp_max(node_memory_MemFree_bytes, 1e9)', range: true },
      { q: 'round(node_memory_MemFree_bytes / 1e6, 0.5)', range: true },
      { q: 'round(process_resident_memory_bytes / 1024)', range: true },
      { q: 'sqrt(node_memory_MemFree_bytes) + ln(node_memory_MemTotal_bytes) - log2(node_memory_MemTotal_bytes) * log10(2)', range: true },
      { q: 'time()', range: true },
      { q: 'time() - node_boot_time_seconds', range: true },
      { q: 'vector(1)', range: true },
      { q: 'scalar(sum(up))', range: true },
      { q: 'node_load1 * scalar(count(up))', range: true },
      { q: 'timestamp(node_load1)', range: true },
      { q: 'label_replace(up, "host", "$1", "instance", "(.*):.*")', range: true },
      { q: `label_replace(${cpu}{mode="idle"}, "core", "cpu-\${1}", "cpu", "(\\\\d+)")`, range: true },
      { q: 'label_replace(up, "job", "", "job", "node")', range: true },
      { q: `sort_desc(${cpu}{mode="idle"})`, ordered: true },
      { q: 'sort(node_memory_MemFree_bytes + node_memory_Active_bytes)', ordered: true },
    ];
  };

  it('answers at least 60 queries of the subset exactly like Prometheus', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(60);
    const failures: string[] = [];
    let compared = 0;
    let nonEmpty = 0;
    const check = async (c: Case, path: string, params: Record<string, string>) => {
      const [p, v] = await Promise.all([api(prometheus.url, path, params), api(vigilUrl, path, params)]);
      compared++;
      const label = `${path} ${c.q}`;
      if (p.body.status !== 'success') {
        if (v.body.status !== 'error' || v.body.errorType !== p.body.errorType || v.status !== p.status) {
          failures.push(
            `${label}: Prometheus failed with ${p.status} ${String(p.body.errorType)} (${String(p.body.error)}); Vigil answered ${v.status} ${JSON.stringify(v.body).slice(0, 300)}`,
          );
        }
        return;
      }
      if (v.body.status !== 'success') {
        failures.push(`${label}: Vigil failed: ${JSON.stringify(v.body).slice(0, 300)}`);
        return;
      }
      const pd = p.body.data as ApiData;
      const diffs = diffResults(pd, v.body.data as ApiData, { ordered: c.ordered === true });
      const empty = Array.isArray(pd.result) && pd.result.length === 0;
      if (!empty) nonEmpty++;
      else if (!c.mayBeEmpty) diffs.push('Prometheus returned an empty result; the case tests nothing');
      if (diffs.length > 0) failures.push(`${label}: ${diffs.slice(0, 3).join('; ')}`);
    };
    for (const c of all) {
      await check(c, '/api/v1/query', { query: c.q, time: String(tEnd / 1000) });
      await check(c, '/api/v1/query', { query: c.q, time: String((tEnd - 2345) / 1000) });
      if (c.range) {
        await check(c, '/api/v1/query_range', { query: c.q, start: String((tEnd - 8000) / 1000), end: String(tEnd / 1000), step: '0.7' });
      }
    }
    expect(failures).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(180);
    expect(nonEmpty).toBeGreaterThanOrEqual(160);
  }, 60_000);

  it('lists series, label names and label values like Prometheus', async () => {
    const start = String((tEnd - 10_000) / 1000);
    const end = String(tEnd / 1000);
    const series = await Promise.all(
      [prometheus.url, vigilUrl].map((u) => api(u, '/api/v1/series', { 'match[]': 'node_cpu_seconds_total', start, end })),
    );
    expect(series[1]?.body).toEqual(series[0]?.body);
    const values = await Promise.all([prometheus.url, vigilUrl].map((u) => fetch(`${u}/api/v1/label/mode/values`).then((r) => r.json())));
    expect(values[1]).toEqual(values[0]);
    const labels = await Promise.all(
      [prometheus.url, vigilUrl].map((u) => fetch(`${u}/api/v1/labels?match[]=node_cpu_seconds_total`).then((r) => r.json())),
    );
    expect(labels[1]).toEqual(labels[0]);
  });
});
