import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compressSync } from 'snappy';
import type { SeriesSamples } from '../src/core/index.js';
import { median } from '../src/forecast/stats.js';
import {
  binaryAvailable,
  type PeerProcess,
  PROMETHEUS_BIN,
  processCpuSeconds,
  processRssBytes,
  startPrometheus,
  startVictoriaMetrics,
  statCpuSeconds,
  VICTORIA_METRICS_BIN,
} from '../test/support/prometheus.js';
import type { BenchOptions, BenchResult } from './types.js';

/** One sentence for `vigil bench --help`. */
export const description =
  'remote_write ingest throughput end to end (decode → durable store → pipeline listeners) for Vigil, and in the same run for Prometheus and VictoriaMetrics, with server CPU per sample';

const SELF = fileURLToPath(import.meta.url);
const ROLE_ENV = 'VIGIL_BENCH_ROLE';

interface Workload {
  series: number;
  samplesPerSeries: number;
  /** Samples per series in one request. */
  samplesPerRequest: number;
  /** Series in one request. */
  seriesPerRequest: number;
  connections: number;
  stepMs: number;
}

const FULL: Workload = {
  series: 20_000,
  samplesPerSeries: 60,
  samplesPerRequest: 10,
  seriesPerRequest: 500,
  connections: 4,
  stepMs: 15_000,
};
const QUICK: Workload = {
  series: 2_000,
  samplesPerSeries: 20,
  samplesPerRequest: 10,
  seriesPerRequest: 500,
  connections: 4,
  stepMs: 15_000,
};

/**
 * Pre-encodes the whole load as snappy-compressed WriteRequests, grouped in rounds: every request of a
 * round covers distinct series, and round r+1 only starts after round r is acknowledged, so each series
 * arrives in time order even over several connections (Prometheus refuses out-of-order samples).
 */
async function buildLoad(w: Workload, start: number, prefix = 'bench'): Promise<Buffer[][]> {
  const { encodeWriteRequest } = await import('../src/ingest/index.js');
  const rounds: Buffer[][] = [];
  const hosts = Math.max(1, Math.floor(w.series / 100));
  // A random walk per series with one decimal, like host gauges; seeded so runs are comparable.
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const level = Array.from({ length: w.series }, () => rnd() * 100);
  for (let r = 0; r * w.samplesPerRequest < w.samplesPerSeries; r++) {
    const reqs: Buffer[] = [];
    for (let s0 = 0; s0 < w.series; s0 += w.seriesPerRequest) {
      const batch: SeriesSamples[] = [];
      for (let s = s0; s < Math.min(w.series, s0 + w.seriesPerRequest); s++) {
        const timestamps: number[] = [];
        const values: number[] = [];
        for (let k = 0; k < w.samplesPerRequest; k++) {
          const i = r * w.samplesPerRequest + k;
          if (i >= w.samplesPerSeries) break;
          timestamps.push(start + i * w.stepMs);
          level[s] = Math.max(0, (level[s] as number) + (rnd() - 0.5) * 2);
          values.push(Math.round((level[s] as number) * 10) / 10);
        }
        batch.push({
          labels: {
            __name__: `${prefix}_metric_${s % 20}`,
            host: `host-${Math.floor(s / 20) % hosts}`,
            instance: `10.0.${Math.floor(s / 5000)}.${Math.floor(s / 20) % 250}:9100`,
            job: 'bench',
            series: String(s),
          },
          timestamps,
          values,
        });
      }
      reqs.push(compressSync(encodeWriteRequest(batch)));
    }
    rounds.push(reqs);
  }
  return rounds;
}

function post(agent: Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'content-length': String(body.length),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface TargetResult {
  samples_per_s: number;
  cpu_us_per_sample: number;
  samples_per_cpu_s: number;
  peak_rss_mb: number;
  failed_requests: number;
  seconds: number;
  /** CPU ms of each server thread during the load, busiest first (Vigil: the main thread, then the decode worker). */
  thread_cpu_ms?: number[];
  /** Requests sent again after a 503 or 429 (the full server pushing back while detection catches up). */
  retried_requests?: number;
}

/** How `drive` talks to a target. */
interface DriveOptions {
  headers?: Record<string, string>;
  /**
   * Send a request answered 503 or 429 again, after a backoff as Prometheus' (30 ms, doubling, here at most 1 s),
   * instead of counting it failed.
   */
  retry?: boolean;
}

/** Sends every round to `writeUrl` over `connections` keep-alive connections and measures wall time and the server's CPU and RSS. */
async function drive(writeUrl: string, pid: number, rounds: Buffer[][], w: Workload, opts: DriveOptions = {}): Promise<TargetResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: w.connections });
  const url = new URL(writeUrl);
  const headers = opts.headers ?? {};
  let failed = 0;
  let retried = 0;
  let peakRss = processRssBytes(pid) ?? 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, processRssBytes(pid) ?? 0);
  }, 100);
  const cpu0 = processCpuSeconds(pid) ?? 0;
  const t0 = performance.now();
  try {
    for (const reqs of rounds) {
      let next = 0;
      const worker = async () => {
        while (next < reqs.length) {
          const body = reqs[next++] as Buffer;
          let status = await post(agent, url, body, headers);
          for (let backoff = 30; opts.retry === true && (status === 503 || status === 429); backoff = Math.min(1000, backoff * 2)) {
            retried++;
            await new Promise((r) => setTimeout(r, backoff));
            status = await post(agent, url, body, headers);
          }
          if (status < 200 || status >= 300) failed++;
        }
      };
      await Promise.all(Array.from({ length: w.connections }, worker));
    }
  } finally {
    clearInterval(rssTimer);
    agent.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (processCpuSeconds(pid) ?? 0) - cpu0;
  peakRss = Math.max(peakRss, processRssBytes(pid) ?? 0);
  const samples = w.series * w.samplesPerSeries;
  return {
    samples_per_s: Math.round(samples / seconds),
    cpu_us_per_sample: Number(((cpu * 1e6) / samples).toFixed(3)),
    samples_per_cpu_s: cpu > 0 ? Math.round(samples / cpu) : 0,
    peak_rss_mb: Math.round(peakRss / 1024 / 1024),
    failed_requests: failed,
    seconds: Number(seconds.toFixed(2)),
    ...(opts.retry === true ? { retried_requests: retried } : {}),
  };
}

/** Starts the Vigil ingest server (this module in server role) as a child process so its CPU can be measured alone. */
/** The two Vigil servers the bench starts: the ingest path alone, or the whole server (detection, alerting, …). */
type VigilRole = 'ingest-server' | 'full-server';

/** Agent key of the full server the bench starts (a throwaway store on loopback). */
const BENCH_AGENT_KEY = 'vgl_ak_bench-ingest-0123456789';

async function startVigilChild(role: VigilRole): Promise<PeerProcess & { stored: () => Promise<Record<string, number>> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  const execArgv = [...process.execArgv];
  if (SELF.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  // Node flags for the server alone, e.g. VIGIL_BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" for CPU
  // profiles of its threads (NODE_OPTIONS refuses --cpu-prof, and would profile the load generator too).
  execArgv.push(...(process.env.VIGIL_BENCH_SERVER_FLAGS ?? '').split(' ').filter((f) => f !== ''));
  const child = spawn(process.execPath, [...execArgv, SELF], {
    env: { ...process.env, [ROLE_ENV]: role, VIGIL_BENCH_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('Vigil bench server did not start within 60 s')), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolveUrl((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`Vigil bench server exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const pid = child.pid ?? -1;
  return {
    url,
    address: new URL(url).host,
    port: Number(new URL(url).port),
    pid,
    dir,
    cpuSeconds: () => processCpuSeconds(pid) ?? 0,
    log: () => '',
    async stored() {
      if (role === 'full-server') return metricsOf(url);
      const res = await fetch(`${url}/bench/stats`);
      return (await res.json()) as Record<string, number>;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The full server's own figures the bench reads from its `/metrics`. */
async function metricsOf(url: string): Promise<Record<string, number>> {
  const { parseExposition } = await import('../src/ingest/index.js');
  const names = [
    'vigil_detect_backlog_samples',
    'vigil_detect_samples_total',
    'vigil_detect_samples_dropped_total',
    'vigil_tsdb_samples_appended_total',
    'vigil_ingest_samples_accepted_total',
  ];
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  // Summed over each metric's label sets (e.g. accepted samples by protocol).
  for (const s of parseExposition(await (await fetch(`${url}/metrics`)).text(), 'text').samples) {
    const name = s.labels.__name__ as string;
    if (name in out) out[name] = (out[name] as number) + s.value;
  }
  return out;
}

/** The whole Vigil server (`startServer`, no local agent) on a throwaway store, as `vigil server` runs it. */
async function fullServerMain(): Promise<void> {
  const { configSchema } = await import('../src/core/index.js');
  const { startServer } = await import('../src/api/index.js');
  const config = configSchema.parse({
    server: {
      host: '127.0.0.1',
      port: 0,
      data: process.env.VIGIL_BENCH_DIR as string,
      localAgent: false,
      agentKey: BENCH_AGENT_KEY,
      adminPassword: 'bench-admin-password',
    },
  });
  const server = await startServer({ config });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.once('SIGTERM', () => {
    void server.close().finally(() => process.exit(0));
  });
}

/** Server role: Fastify + remote_write route + IngestPipeline + the embedded store, with a listener standing in for detection's queue. */
async function serverMain(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { Registry } = await import('prom-client');
  const { silentLogger } = await import('../src/core/index.js');
  const { openStorage } = await import('../src/tsdb/index.js');
  const { defaultDecodeWorkers, IngestPipeline, RemoteWriteDecoders, registerRemoteWriteRoutes } = await import('../src/ingest/index.js');
  const logger = silentLogger();
  const registry = new Registry();
  const storage = await openStorage({ dir: process.env.VIGIL_BENCH_DIR as string, logger, registry });
  const pipeline = new IngestPipeline({ storage, logger, registry });
  // Detection consumes accepted batches from a queue; the bench keeps the hand-off and counts what arrives.
  const queue: { tenant: string; samples: number }[] = [];
  let delivered = 0;
  pipeline.onAppended((tenant, batch) => {
    let n = 0;
    for (const s of batch) n += s.timestamps.length;
    queue.push({ tenant, samples: n });
    delivered += n;
    if (queue.length > 1000) queue.splice(0, queue.length - 1000);
  });
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.decorateRequest('tenant', 'default');
  app.addHook('onRequest', async (req) => {
    req.tenant = 'default';
  });
  // As the server does: remote_write bodies decoded on worker threads (ADR 0009).
  const decoders = new RemoteWriteDecoders({ workers: defaultDecodeWorkers(), logger });
  await decoders.ready();
  registerRemoteWriteRoutes(app, { pipeline, logger, bodyLimit: 64 * 1024 * 1024, maxSamplesPerRequest: 1_000_000, decoders });
  app.get('/bench/stats', async () => ({ ...(await storage.stats()), delivered }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => decoders.close())
      .then(() => storage.close())
      .finally(() => process.exit(0));
  });
}

/**
 * Where Vigil's time goes: the same requests handled one at a time in this process, timing snappy, the
 * WriteRequest decode (as the route does it), the whole pipeline write (label checks + durable append +
 * listeners) and, inside it, the store's append (from call to durable); wall time per sample. Then the longest
 * the event loop is held (main-thread CPU time between two timer turns) by one request of 1M samples.
 */
async function stages(rounds: Buffer[][], w: Workload): Promise<Record<string, number>> {
  const { Registry } = await import('prom-client');
  const { uncompress, uncompressSync } = await import('snappy');
  const { silentLogger } = await import('../src/core/index.js');
  const { openStorage } = await import('../src/tsdb/index.js');
  const { IngestPipeline, decodeWriteRequest, decodeWriteRequestSliced, encodeWriteRequest } = await import('../src/ingest/index.js');
  const { longestBlock } = await import('../src/core/testing/event-loop-probe.js');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-stages-'));
  const logger = silentLogger();
  const registry = new Registry();
  const storage = await openStorage({ dir, logger, registry });
  let appendMs = 0;
  const timedStorage = {
    async append(tenant: string, batch: readonly SeriesSamples[]) {
      const t0 = performance.now();
      try {
        return await storage.append(tenant, batch);
      } finally {
        appendMs += performance.now() - t0;
      }
    },
  };
  const pipeline = new IngestPipeline({ storage: timedStorage, logger, registry });
  let snappyMs = 0;
  let decodeMs = 0;
  let writeMs = 0;
  const blocks = { sliced: 0, whole: 0 };
  try {
    for (const reqs of rounds) {
      for (const body of reqs) {
        let t0 = performance.now();
        const raw = uncompressSync(body, { asBuffer: true }) as Buffer;
        snappyMs += performance.now() - t0;
        t0 = performance.now();
        // As the route does it: label sets checked by the decoder against the pipeline's limits.
        const decoded = await decodeWriteRequestSliced(raw, 1_000_000, pipeline.labelLimits);
        decodeMs += performance.now() - t0;
        t0 = performance.now();
        await pipeline.write('default', decoded.series, 'remote_write', { labelsChecked: true });
        writeMs += performance.now() - t0;
      }
    }
    // One request at the per-request limit, handled as the route handles it (decode in slices, store in slices)
    // and as it was handled before ADR 0008 (one synchronous decode, one append), each into a tenant of its own.
    const big = compressSync(encodeWriteRequest(bigRequest(Date.now() - 3_600_000)));
    const sliced = new IngestPipeline({ storage, logger, registry: new Registry() });
    const whole = new IngestPipeline({ storage, logger, registry: new Registry(), sliceSamples: Number.POSITIVE_INFINITY });
    blocks.sliced = await longestBlock(async () => {
      const decoded = await decodeWriteRequestSliced((await uncompress(big, { asBuffer: true })) as Buffer, BIG_REQUEST_SAMPLES);
      await sliced.write('big-sliced', decoded.series, 'remote_write', { labelsChecked: true });
    });
    blocks.whole = await longestBlock(async () => {
      const decoded = decodeWriteRequest((await uncompress(big, { asBuffer: true })) as Buffer, BIG_REQUEST_SAMPLES);
      await whole.write('big-whole', decoded.series, 'remote_write', { labelsChecked: true });
    });
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const n = w.series * w.samplesPerSeries;
  const us = (ms: number) => Number(((ms * 1000) / n).toFixed(3));
  return {
    snappy_us_per_sample: us(snappyMs),
    decode_us_per_sample: us(decodeMs),
    pipeline_write_us_per_sample: us(writeMs),
    store_append_us_per_sample: us(appendMs),
    pipeline_own_us_per_sample: us(writeMs - appendMs),
    max_request_longest_block_ms: Number(blocks.sliced.toFixed(1)),
    max_request_unsliced_block_ms: Number(blocks.whole.toFixed(1)),
  };
}

/** Samples in the largest request the bench sends once: the default per-request limit. */
const BIG_REQUEST_SAMPLES = 1_000_000;

/** 10,000 series × 100 samples 15 s apart from `start`, with label sets of their own. */
function bigRequest(start: number): SeriesSamples[] {
  return Array.from({ length: 10_000 }, (_, s) => ({
    labels: { __name__: `bench_big_${s % 20}`, host: `big-${s}`, instance: `10.1.${s % 250}.1:9100`, job: 'bench' },
    timestamps: Array.from({ length: 100 }, (_, i) => start + i * 15_000),
    values: Array.from({ length: 100 }, (_, i) => Math.round(((s * 7 + i) % 1000) * 10) / 100),
  }));
}

/**
 * Sent to every target before the measured load, with series of their own: the figures are those of a server
 * that has been running (JIT-compiled code, warmed caches), as a monitoring server is, not of its first second.
 */
const WARMUP: Workload = { ...FULL, series: 5_000, samplesPerSeries: 20 };

/** Rounds of the three targets in a full run; figures are the median round (the quick run has one). */
const REPEATS = 5;
/** Fresh full servers measured after the rounds (see fullServer). */
const FULL_SERVER_REPEATS = 3;

interface Target {
  name: 'vigil' | 'prometheus' | 'victoriametrics';
  label: string;
  /** Starts a fresh server; null with a reason when its binary is not installed. */
  start: () => Promise<(PeerProcess & { stored?: () => Promise<Record<string, number>> }) | null>;
  reason: string;
}

/** The run whose throughput is the median one (the lower middle for an even count), with every run's throughput. */
function summarise(runs: TargetResult[]): TargetResult & { runs_samples_per_s: number[] } {
  const sorted = [...runs].sort((a, b) => a.samples_per_s - b.samples_per_s);
  const mid = sorted[(sorted.length - 1) >> 1] as TargetResult;
  return { ...mid, runs_samples_per_s: runs.map((r) => r.samples_per_s) };
}

/**
 * Runs the load against Vigil, Prometheus and VictoriaMetrics, each on a fresh server, one after the other, and
 * repeats that round REPEATS times: the machine is shared, so one round says little; interleaving gives every
 * target the same share of quiet and busy moments. Each target's figures are its median round.
 */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const w = opts.quick ? QUICK : FULL;
  const repeats = opts.quick ? 1 : REPEATS;
  const samples = w.series * w.samplesPerSeries;
  const start = Date.now() - (w.samplesPerSeries + 4) * w.stepMs;
  opts.log(`ingest: encoding ${samples} samples (${w.series} series × ${w.samplesPerSeries}) into remote_write requests…`);
  const rounds = await buildLoad(w, start);
  const warmup = await buildLoad(WARMUP, start, 'warmup');
  const requests = rounds.reduce((a, r) => a + r.length, 0);
  const bytes = rounds.reduce((a, r) => a + r.reduce((b, x) => b + x.length, 0), 0);
  opts.log(`ingest: ${requests} requests, ${(bytes / 1024 / 1024).toFixed(1)} MiB snappy, ${w.connections} connections, ${repeats} rounds`);
  const result: BenchResult = {
    samples_per_target: samples,
    series: w.series,
    samples_per_request: w.samplesPerRequest * w.seriesPerRequest,
    connections: w.connections,
    rounds: repeats,
    // Sent to each server before the measured load (not in the quick run); Vigil's stored_series and
    // delivered_to_listeners include it.
    warmup_samples: opts.quick ? 0 : WARMUP.series * WARMUP.samplesPerSeries,
    load_average_at_start: loadAverage(),
  };
  const targets: Target[] = [
    { name: 'vigil', label: 'Vigil', start: () => startVigilChild('ingest-server'), reason: '' },
    {
      name: 'prometheus',
      label: 'Prometheus',
      start: async () => (binaryAvailable(PROMETHEUS_BIN) ? startPrometheus({ remoteWriteReceiver: true }) : null),
      reason: `prometheus not installed at ${PROMETHEUS_BIN}`,
    },
    {
      name: 'victoriametrics',
      label: 'VictoriaMetrics',
      start: async () => (binaryAvailable(VICTORIA_METRICS_BIN) ? startVictoriaMetrics() : null),
      reason: `victoria-metrics not installed at ${VICTORIA_METRICS_BIN}`,
    },
  ];
  const runs = new Map<string, TargetResult[]>(targets.map((t) => [t.name, []]));
  const missing = new Set<string>();
  const vigilStored: Record<string, number>[] = [];
  for (let round = 1; round <= repeats; round++) {
    for (const t of targets) {
      if (missing.has(t.name)) continue;
      const server = await t.start();
      if (server === null) {
        missing.add(t.name);
        continue;
      }
      try {
        if (!opts.quick) await drive(`${server.url}/api/v1/write`, server.pid, warmup, WARMUP);
        const before = threadCpu(server.pid);
        const r = await drive(`${server.url}/api/v1/write`, server.pid, rounds, w);
        r.thread_cpu_ms = threadCpuSpent(before, threadCpu(server.pid));
        if (server.stored) vigilStored.push(await server.stored());
        runs.get(t.name)?.push(r);
        opts.log(
          `ingest: round ${round}/${repeats} ${t.label} ${r.samples_per_s} samples/s, ${r.cpu_us_per_sample} µs CPU/sample, ${r.peak_rss_mb} MiB, ${r.failed_requests} failed (load ${loadAverage()[0]})`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  for (const t of targets) {
    const key = t.name === 'vigil' ? 'remote_write' : t.name;
    if (missing.has(t.name)) {
      result[`${key}_samples_per_s`] = null;
      result[`${key}_samples_per_s_reason`] = t.reason;
      continue;
    }
    const sum = summarise(runs.get(t.name) ?? []);
    result[`${key}_samples_per_s`] = sum.samples_per_s;
    result[t.name] = sum;
  }
  const vigil = result.vigil as Record<string, unknown>;
  vigil.stored_series = median(vigilStored.map((s) => s.series ?? 0));
  vigil.delivered_to_listeners = median(vigilStored.map((s) => s.delivered ?? 0));
  const vigilRuns = runs.get('vigil') ?? [];
  const promRuns = runs.get('prometheus') ?? [];
  if (promRuns.length === vigilRuns.length && promRuns.length > 0) {
    result.rounds_vigil_faster = vigilRuns.filter((r, i) => r.samples_per_s > (promRuns[i] as TargetResult).samples_per_s).length;
  }

  result.vigil_full_server = await fullServer(rounds, warmup, w, opts);

  opts.log('ingest: Vigil stages, one request at a time in process…');
  result.vigil_stages = await stages(rounds, w);
  opts.log(`ingest: stages ${JSON.stringify(result.vigil_stages)}`);
  return result;
}

/**
 * The same load sent to the whole Vigil server (`startServer`: ingest, detection scoring every sample and storing
 * its score and bands, alerting, the live stream) with the agent key, retrying what it pushes back (503 while
 * detection catches up) as Prometheus would. Two throughputs: until the last request is acknowledged, and until
 * the last sample is scored. Median of FULL_SERVER_REPEATS fresh servers.
 */
async function fullServer(rounds: Buffer[][], warmup: Buffer[][], w: Workload, opts: BenchOptions): Promise<BenchResult> {
  const samples = w.series * w.samplesPerSeries;
  const headers = { authorization: `Bearer ${BENCH_AGENT_KEY}` };
  const runs: (TargetResult & { scored_samples_per_s: number; dropped_samples: number; scored_samples: number })[] = [];
  for (let round = 1; round <= (opts.quick ? 1 : FULL_SERVER_REPEATS); round++) {
    const server = await startVigilChild('full-server');
    try {
      if (!opts.quick) await drive(`${server.url}/api/v1/write`, server.pid, warmup, WARMUP, { headers, retry: true });
      const before = threadCpu(server.pid);
      const m0 = await server.stored();
      const t0 = performance.now();
      const r = await drive(`${server.url}/api/v1/write`, server.pid, rounds, w, { headers, retry: true });
      let m = await server.stored();
      for (const limit = performance.now() + 60_000; (m.vigil_detect_backlog_samples ?? 0) > 0 && performance.now() < limit; ) {
        await new Promise((res) => setTimeout(res, 20));
        m = await server.stored();
      }
      const scoredSeconds = (performance.now() - t0) / 1000;
      r.thread_cpu_ms = threadCpuSpent(before, threadCpu(server.pid));
      const run = {
        ...r,
        scored_samples_per_s: Math.round(samples / scoredSeconds),
        scored_samples: (m.vigil_detect_samples_total ?? 0) - (m0.vigil_detect_samples_total ?? 0),
        dropped_samples: (m.vigil_detect_samples_dropped_total ?? 0) - (m0.vigil_detect_samples_dropped_total ?? 0),
      };
      runs.push(run);
      opts.log(
        `ingest: full server ${run.samples_per_s} samples/s acknowledged, ${run.scored_samples_per_s} scored, ${run.retried_requests} requests retried, ${run.dropped_samples} dropped from scoring (load ${loadAverage()[0]})`,
      );
    } finally {
      await server.stop();
    }
  }
  const mid = summarise(runs);
  return { ...mid, scored_runs_samples_per_s: runs.map((r) => r.scored_samples_per_s) };
}

/** CPU time so far of each thread of a process, in ms, by thread id (from /proc; empty where there is none). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const seconds = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
    // null: the thread ended in between.
    if (seconds !== null) out.set(tid, seconds * 1000);
  }
  return out;
}

/** CPU ms each thread spent between two readings, busiest first, threads under 10 ms left out. */
function threadCpuSpent(before: Map<string, number>, after: Map<string, number>): number[] {
  const spent: number[] = [];
  for (const [tid, ms] of after) {
    const d = ms - (before.get(tid) ?? 0);
    if (d >= 10) spent.push(Math.round(d));
  }
  return spent.sort((a, b) => b - a);
}

/** The 1, 5 and 15-minute load averages. */
function loadAverage(): number[] {
  return loadavg().map((x) => Number(x.toFixed(2)));
}

const role = process.env[ROLE_ENV];
if ((role === 'ingest-server' || role === 'full-server') && process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  (role === 'full-server' ? fullServerMain() : serverMain()).catch((e: unknown) => {
    process.stderr.write(`bench ingest server failed: ${String(e)}\n`);
    process.exit(1);
  });
}
