import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compressSync } from 'snappy';
import type { SeriesSamples } from '../src/core/index.js';
import {
  binaryAvailable,
  type PeerProcess,
  PROMETHEUS_BIN,
  processCpuSeconds,
  processRssBytes,
  startPrometheus,
  startVictoriaMetrics,
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
async function buildLoad(w: Workload, start: number): Promise<Buffer[][]> {
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
            __name__: `bench_metric_${s % 20}`,
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

function post(agent: Agent, url: URL, body: Buffer): Promise<number> {
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
}

/** Sends every round to `writeUrl` over `connections` keep-alive connections and measures wall time and the server's CPU and RSS. */
async function drive(writeUrl: string, pid: number, rounds: Buffer[][], w: Workload): Promise<TargetResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: w.connections });
  const url = new URL(writeUrl);
  let failed = 0;
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
          const status = await post(agent, url, body);
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
  };
}

/** Starts the Vigil ingest server (this module in server role) as a child process so its CPU can be measured alone. */
async function startVigilChild(): Promise<PeerProcess & { stored: () => Promise<Record<string, number>> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  const execArgv = [...process.execArgv];
  if (SELF.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  const child = spawn(process.execPath, [...execArgv, SELF], {
    env: { ...process.env, [ROLE_ENV]: 'ingest-server', VIGIL_BENCH_DIR: dir },
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

/** Server role: Fastify + remote_write route + IngestPipeline + the embedded store, with a listener standing in for detection's queue. */
async function serverMain(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { Registry } = await import('prom-client');
  const { silentLogger } = await import('../src/core/index.js');
  const { openStorage } = await import('../src/tsdb/index.js');
  const { IngestPipeline, registerRemoteWriteRoutes } = await import('../src/ingest/index.js');
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
  registerRemoteWriteRoutes(app, { pipeline, logger, bodyLimit: 64 * 1024 * 1024, maxSamplesPerRequest: 1_000_000 });
  app.get('/bench/stats', async () => ({ ...(await storage.stats()), delivered }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.once('SIGTERM', () => {
    void app
      .close()
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
  const { longestBlock } = await import('../src/ingest/testing/event-loop-probe.js');
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
        const decoded = await decodeWriteRequestSliced(raw, 1_000_000);
        decodeMs += performance.now() - t0;
        t0 = performance.now();
        await pipeline.write('default', decoded.series, 'remote_write');
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
      await sliced.write('big-sliced', decoded.series, 'remote_write');
    });
    blocks.whole = await longestBlock(async () => {
      const decoded = decodeWriteRequest((await uncompress(big, { asBuffer: true })) as Buffer, BIG_REQUEST_SAMPLES);
      await whole.write('big-whole', decoded.series, 'remote_write');
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

/** Runs the load against Vigil, then Prometheus, then VictoriaMetrics, each fresh, one after the other. */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const w = opts.quick ? QUICK : FULL;
  const samples = w.series * w.samplesPerSeries;
  const start = Date.now() - (w.samplesPerSeries + 4) * w.stepMs;
  opts.log(`ingest: encoding ${samples} samples (${w.series} series × ${w.samplesPerSeries}) into remote_write requests…`);
  const rounds = await buildLoad(w, start);
  const requests = rounds.reduce((a, r) => a + r.length, 0);
  const bytes = rounds.reduce((a, r) => a + r.reduce((b, x) => b + x.length, 0), 0);
  opts.log(`ingest: ${requests} requests, ${(bytes / 1024 / 1024).toFixed(1)} MiB snappy, ${w.connections} connections`);
  const result: BenchResult = {
    samples_per_target: samples,
    series: w.series,
    samples_per_request: w.samplesPerRequest * w.seriesPerRequest,
    connections: w.connections,
  };

  const vigil = await startVigilChild();
  try {
    opts.log('ingest: Vigil…');
    const r = await drive(`${vigil.url}/api/v1/write`, vigil.pid, rounds, w);
    const stats = await vigil.stored();
    result.remote_write_samples_per_s = r.samples_per_s;
    result.vigil = { ...r, stored_series: stats.series, delivered_to_listeners: stats.delivered };
    opts.log(
      `ingest: Vigil ${r.samples_per_s} samples/s, ${r.cpu_us_per_sample} µs CPU/sample, ${r.peak_rss_mb} MiB, ${r.failed_requests} failed`,
    );
  } finally {
    await vigil.stop();
  }

  opts.log('ingest: Vigil stages, one request at a time in process…');
  result.vigil_stages = await stages(rounds, w);
  opts.log(`ingest: stages ${JSON.stringify(result.vigil_stages)}`);

  if (binaryAvailable(PROMETHEUS_BIN)) {
    const prom = await startPrometheus({ remoteWriteReceiver: true });
    try {
      opts.log('ingest: Prometheus…');
      const r = await drive(`${prom.url}/api/v1/write`, prom.pid, rounds, w);
      result.prometheus_samples_per_s = r.samples_per_s;
      result.prometheus = r;
      opts.log(
        `ingest: Prometheus ${r.samples_per_s} samples/s, ${r.cpu_us_per_sample} µs CPU/sample, ${r.peak_rss_mb} MiB, ${r.failed_requests} failed`,
      );
    } finally {
      await prom.stop();
    }
  } else {
    result.prometheus_samples_per_s = null;
    result.prometheus_samples_per_s_reason = `prometheus not installed at ${PROMETHEUS_BIN}`;
  }

  if (binaryAvailable(VICTORIA_METRICS_BIN)) {
    const vm = await startVictoriaMetrics();
    try {
      opts.log('ingest: VictoriaMetrics…');
      const r = await drive(`${vm.url}/api/v1/write`, vm.pid, rounds, w);
      result.victoriametrics_samples_per_s = r.samples_per_s;
      result.victoriametrics = r;
      opts.log(
        `ingest: VictoriaMetrics ${r.samples_per_s} samples/s, ${r.cpu_us_per_sample} µs CPU/sample, ${r.peak_rss_mb} MiB, ${r.failed_requests} failed`,
      );
    } finally {
      await vm.stop();
    }
  } else {
    result.victoriametrics_samples_per_s = null;
    result.victoriametrics_samples_per_s_reason = `victoria-metrics not installed at ${VICTORIA_METRICS_BIN}`;
  }
  return result;
}

if (process.env[ROLE_ENV] === 'ingest-server' && process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  serverMain().catch((e: unknown) => {
    process.stderr.write(`bench ingest server failed: ${String(e)}\n`);
    process.exit(1);
  });
}
