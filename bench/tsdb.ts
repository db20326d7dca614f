import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import snappy from 'snappy';
import { freePort, mulberry32, type SeriesSamples } from '../src/core/index.js';
import { encodeWriteRequest } from '../src/ingest/index.js';
import { EmbeddedStorage } from '../src/tsdb/index.js';
import { evolve, nodeExporterModels } from './node-mix.js';
import type { BenchModule, BenchOptions, BenchResult } from './types.js';

/** One sentence for `vigil bench --help`. */
export const description =
  'embedded TSDB: append throughput (samples per CPU-second), bytes per sample after sealing (vs Prometheus on the same data), 1×7d and 1000×24h query latency';

const STEP = 10_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const rng = mulberry32;

/** Kinds of series in the host mix, with their share per host. */
type Kind = 'cpu_ratio' | 'memory_bytes' | 'counter_bytes' | 'counter_seconds' | 'constant';

/** The per-host series: 4 CPU ratios (percent, one decimal), 2 memory gauges (bytes), 2 byte counters, 1 seconds counter, 1 constant. */
const HOST_MIX: { name: string; kind: Kind; extra?: Record<string, string> }[] = [
  { name: 'node_cpu_usage_ratio', kind: 'cpu_ratio', extra: { mode: 'user' } },
  { name: 'node_cpu_usage_ratio', kind: 'cpu_ratio', extra: { mode: 'system' } },
  { name: 'node_cpu_usage_ratio', kind: 'cpu_ratio', extra: { mode: 'iowait' } },
  { name: 'node_cpu_usage_ratio', kind: 'cpu_ratio', extra: { mode: 'idle' } },
  { name: 'node_memory_available_bytes', kind: 'memory_bytes' },
  { name: 'node_memory_cached_bytes', kind: 'memory_bytes' },
  { name: 'node_network_receive_bytes_total', kind: 'counter_bytes', extra: { device: 'eth0' } },
  { name: 'node_disk_written_bytes_total', kind: 'counter_bytes', extra: { device: 'sda' } },
  { name: 'node_cpu_seconds_total', kind: 'counter_seconds', extra: { mode: 'user' } },
  { name: 'node_memory_total_bytes', kind: 'constant' },
];

/** Generates `n` samples of one series kind at a 10 s interval: autocorrelated, with occasional jumps, as real hosts behave. */
function generate(kind: Kind, n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  let level = r() * 60;
  let v = 0;
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'cpu_ratio': {
        if (r() < 0.01) level = r() * 80;
        const x = level + (r() - 0.5) * 6;
        out[i] = Math.round(Math.min(100, Math.max(0, x)) * 10) / 10;
        break;
      }
      case 'memory_bytes': {
        if (i === 0) v = 4096 * Math.floor(1e6 + r() * 1e6);
        if (r() < 0.3) v += 4096 * Math.floor((r() - 0.5) * 512);
        out[i] = v;
        break;
      }
      case 'counter_bytes': {
        if (i === 0) v = Math.floor(r() * 1e12);
        v += Math.floor(r() * 2e6 * (0.5 + level / 60));
        out[i] = v;
        break;
      }
      case 'counter_seconds': {
        if (i === 0) v = Math.floor(r() * 1e7) / 100;
        v = Math.round((v + 2 + r() * 6) * 100) / 100;
        out[i] = v;
        break;
      }
      case 'constant':
        out[i] = 16_777_216 * 1024;
        break;
    }
  }
  return out;
}

interface Dataset {
  labels: Record<string, string>[];
  values: Float64Array[];
  start: number;
  samples: number;
}

function hostDataset(series: number, samples: number, end: number): Dataset {
  const labels: Record<string, string>[] = [];
  const values: Float64Array[] = [];
  for (let i = 0; i < series; i++) {
    const m = HOST_MIX[i % HOST_MIX.length]!;
    const host = `host-${String(Math.floor(i / HOST_MIX.length)).padStart(4, '0')}`;
    labels.push({ __name__: m.name, ...m.extra, host, job: 'node' });
    values.push(generate(m.kind, samples, 1000 + i));
  }
  return { labels, values, start: end - (samples - 1) * STEP, samples };
}

/** `hosts` copies of the real node_exporter series set (about 500 per host), each evolved with its own seed. */
function nodeDataset(hosts: number, samples: number, end: number): Dataset {
  const models = nodeExporterModels();
  const labels: Record<string, string>[] = [];
  const values: Float64Array[] = [];
  const start = end - (samples - 1) * STEP;
  for (let h = 0; h < hosts; h++) {
    const host = `node-${String(h).padStart(4, '0')}`;
    models.forEach((m, i) => {
      labels.push({ ...m.labels, instance: `${host}:9100`, job: 'node' });
      values.push(evolve(m, samples, start, 7919 * h + i));
    });
  }
  return { labels, values, start, samples };
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall and CPU milliseconds of `runs` calls after one warm-up call. */
const round2 = (x: number): number => Math.round(x * 100) / 100;

async function timeMs(runs: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  await fn();
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    cpu.push(cpuSeconds(process.cpuUsage(c0)) * 1000);
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return { wall: r(median(wall)), cpu: r(median(cpu)) };
}

/** Records a timing as `<name>` (wall ms) and `<name>_cpu` (CPU ms). */
function record(result: BenchResult, name: string, t: { wall: number; cpu: number }): void {
  result[name] = t.wall;
  result[`${name.replace(/_ms$/, '')}_cpu_ms`] = t.cpu;
}

/**
 * Appends a dataset in time blocks of `blockSamples` per series and `seriesPerBatch` series per call.
 * Only the `append` calls are timed (CPU of the whole process, wall clock too).
 */
async function appendDataset(
  store: EmbeddedStorage,
  d: Dataset,
  blockSamples: number,
  seriesPerBatch: number,
  limitSamples = Number.POSITIVE_INFINITY,
): Promise<{ samples: number; cpu: number; wall: number }> {
  let cpu = 0;
  let wall = 0;
  let samples = 0;
  for (let from = 0; from < d.samples && samples < limitSamples; from += blockSamples) {
    const to = Math.min(d.samples, from + blockSamples);
    const ts: number[] = [];
    for (let i = from; i < to; i++) ts.push(d.start + i * STEP);
    for (let s0 = 0; s0 < d.labels.length; s0 += seriesPerBatch) {
      const batch: SeriesSamples[] = [];
      for (let s = s0; s < Math.min(d.labels.length, s0 + seriesPerBatch); s++) {
        batch.push({ labels: d.labels[s]!, timestamps: ts, values: Array.from(d.values[s]!.subarray(from, to)) });
      }
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      const res = await store.append('default', batch);
      wall += performance.now() - w0;
      cpu += cpuSeconds(process.cpuUsage(c0));
      if (res.rejected.length > 0) throw new Error(`bench data rejected: ${JSON.stringify(res.rejected[0])}`);
      samples += res.accepted;
    }
  }
  return { samples, cpu, wall: wall / 1000 };
}

function storeBreakdown(dir: string, samples: number): Record<string, number> {
  const db = new Database(join(dir, 'vigil.db'), { readonly: true });
  try {
    const sum = (...tables: string[]) =>
      tables.reduce((a, t) => a + (db.prepare(`SELECT coalesce(sum(length(data)), 0) FROM ${t}`).pluck().get() as number), 0) / samples;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const pages = db
      .prepare(
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ('chunks', 'chunks_by_series', 'blocks', 'blocks_by_series', 'series', 'sqlite_autoindex_series_1')",
      )
      .pluck()
      .get() as number;
    return {
      bytes_per_sample_raw_only: round(pages / samples),
      raw_chunk_payload_bytes_per_sample: round(sum('chunks', 'blocks')),
      rollup_1m_payload_bytes_per_sample: round(sum('rollup_1m')),
      rollup_1h_payload_bytes_per_sample: round(sum('rollup_1h')),
    };
  } finally {
    db.close();
  }
}

/** The dataset's samples [from, to) as one remote_write WriteRequest, label names sorted as the spec asks. */
function writeRequest(d: Dataset, from: number, to: number): Buffer {
  const timestamps: number[] = [];
  for (let i = from; i < to; i++) timestamps.push(d.start + i * STEP);
  return encodeWriteRequest(
    d.labels.map((l, s) => ({
      labels: Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1))),
      timestamps,
      values: Array.from(d.values[s]!.subarray(from, to)),
    })),
  );
}

interface PromBlocks {
  bytes: number;
  samples: number;
  blocks: number;
}

function promBlocks(dir: string): PromBlocks {
  let bytes = 0;
  let samples = 0;
  let blocks = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const meta = join(dir, e.name, 'meta.json');
    if (!e.isDirectory() || !existsSync(meta)) continue;
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { stats?: { numSamples?: number } };
    samples += m.stats?.numSamples ?? 0;
    bytes += dirBytes(join(dir, e.name));
    blocks++;
  }
  return { bytes, samples, blocks };
}

/** Feeds the dataset to Debian's Prometheus over remote_write and reports bytes/sample of its persisted blocks. */
async function prometheusBytesPerSample(
  d: Dataset,
  log: (l: string) => void,
): Promise<{ value: number | null; reason?: string; detail?: string }> {
  const bin = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));
  if (bin === undefined) return { value: null, reason: 'prometheus binary not installed (Debian package prometheus)' };
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-prom-'));
  const cfg = join(dir, 'prometheus.yml');
  writeFileSync(cfg, 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const data = join(dir, 'data');
  let proc: ChildProcess | undefined;
  try {
    proc = spawn(
      bin,
      [
        '--web.enable-remote-write-receiver',
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${data}`,
        `--config.file=${cfg}`,
        '--storage.tsdb.retention.time=10y',
      ],
      { stdio: 'ignore' },
    );
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/-/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 300) return { value: null, reason: 'prometheus did not become ready in 30 s' };
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`prometheus ${version}: remote-writing ${d.labels.length} series × ${d.samples} samples`);
    const perRequest = 30;
    for (let from = 0; from < d.samples; from += perRequest) {
      const body = await snappy.compress(writeRequest(d, from, Math.min(d.samples, from + perRequest)));
      const res = await fetch(`${base}/api/v1/write`, {
        method: 'POST',
        headers: {
          'Content-Encoding': 'snappy',
          'Content-Type': 'application/x-protobuf',
          'X-Prometheus-Remote-Write-Version': '0.1.0',
        },
        body: new Uint8Array(body),
      });
      if (!res.ok) return { value: null, reason: `prometheus refused a write: ${res.status} ${(await res.text()).slice(0, 200)}` };
    }
    // Prometheus cuts 2 h blocks while the head spans more than 3 h; wait until the block set is stable.
    let last = -1;
    let stable = 0;
    for (let i = 0; i < 240 && stable < 5; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const b = promBlocks(data);
      stable = b.samples === last && b.samples > 0 ? stable + 1 : 0;
      last = b.samples;
    }
    const b = promBlocks(data);
    if (b.samples === 0) return { value: null, reason: 'prometheus persisted no block within 4 minutes' };
    return {
      value: Math.round((b.bytes / b.samples) * 1000) / 1000,
      detail: `${version}; ${b.blocks} persisted blocks holding ${b.samples} of ${d.labels.length * d.samples} samples (the newest ~3 h stay in its head and WAL and are not counted)`,
    };
  } finally {
    proc?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Appends a dataset into a new store at `dir`, seals and merges it, and records its bytes per sample under `prefix`. */
async function storeDataset(
  dir: string,
  d: Dataset,
  result: BenchResult,
  prefix: string,
  log: (line: string) => void,
): Promise<{ samples: number; cpu: number; wall: number }> {
  const store = await EmbeddedStorage.open({ dir, syncIntervalMs: 0 });
  const a = await appendDataset(store, d, 60, 100);
  await store.sealAll();
  while (store.maintenanceStep(500) > 0);
  const stats = await store.stats();
  await store.close();
  const bytes = dirBytes(dir);
  log(`stored ${a.samples} samples in ${stats.chunks} chunks, ${bytes} bytes on disk (sealed, rollups merged, closed)`);
  result[`${prefix}bytes_per_sample`] = Math.round((bytes / a.samples) * 1000) / 1000;
  result[`${prefix}samples_stored`] = a.samples;
  for (const [k, v] of Object.entries(storeBreakdown(dir, a.samples))) result[`${prefix}${k}`] = v;
  return a;
}

/** Runs the benchmark; `quick` uses 100 series instead of 1,000. */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log;
  const seriesCount = opts.quick ? 100 : 1000;
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const samplesPerSeries = DAY / STEP;
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-tsdb-'));
  const result: BenchResult = {};
  try {
    log(
      `generating ${seriesCount} series × ${samplesPerSeries} samples (10 s interval, host mix: CPU ratios, memory bytes, counters, constants)`,
    );
    const d = hostDataset(seriesCount, samplesPerSeries, end);

    const dirA = join(work, 'fleet');
    log('noisy mix: appending in batches of 100 series × 60 samples');
    const a = await storeDataset(dirA, d, result, 'noisy_mix_', log);
    result.append_samples_per_s = Math.round(a.samples / a.cpu);
    result.append_samples_per_s_wall = Math.round(a.samples / a.wall);
    result.append_batch_shape = '100 series × 60 samples per append call, noisy mix; samples per CPU-second of the whole process';

    const hosts = opts.quick ? 1 : 2;
    const nd = nodeDataset(hosts, opts.quick ? samplesPerSeries / 4 : samplesPerSeries, end);
    log(`node_exporter mix: ${nd.labels.length} series (${hosts} hosts) × ${nd.samples} samples`);
    const na = await storeDataset(join(work, 'node'), nd, result, '', log);
    result.node_mix_append_samples_per_s = Math.round(na.samples / na.cpu);

    const o0 = performance.now();
    const store = await EmbeddedStorage.open({ dir: dirA, syncIntervalMs: 0 });
    result.open_ms = Math.round(performance.now() - o0);

    const q24 = { start: end - DAY + 5 * 60_000, end, step: 5 * 60_000, agg: 'avg' as const };
    const all = [{ name: 'job', op: '=' as const, value: 'node' }];
    record(result, 'query_1000x24h_ms', await timeMs(5, () => store.selectStep('default', all, q24)));
    record(result, 'query_1000x24h_raw_ms', await timeMs(3, () => store.selectStep('default', all, { ...q24, start: q24.start + 1000 })));
    result.query_1000x24h_shape = `${seriesCount} series, avg over 5 min steps for 24 h (1m rollups); _raw_: same with an unaligned start (every raw chunk decoded)`;
    await store.close();

    const dirS = join(work, 'scrapes');
    const s2 = await EmbeddedStorage.open({ dir: dirS, syncIntervalMs: 0 });
    const one = await appendDataset(s2, d, 1, seriesCount, opts.quick ? 50_000 : 300_000);
    result.append_samples_per_s_1_per_series = Math.round(one.samples / one.cpu);
    await s2.close();

    // Checkpoints (the WAL rotated and every head snapshotted): as ingest triggers them, in slices, and at once
    // (as close does). What matters is how long either holds the event loop.
    const { longestBlock } = await import('../src/core/testing/event-loop-probe.js');
    const ckSeries = opts.quick ? 10_000 : 100_000;
    log(`checkpoint: ${ckSeries} series × 20 samples in their heads`);
    const ck = await EmbeddedStorage.open({ dir: join(work, 'checkpoint'), syncIntervalMs: 0, retentionIntervalMs: 3_600_000 });
    for (let s0 = 0; s0 < ckSeries; s0 += 1000) {
      await ck.append(
        'default',
        Array.from({ length: 1000 }, (_, k) => ({
          labels: { __name__: 'bench_checkpoint', i: String(s0 + k) },
          timestamps: Array.from({ length: 20 }, (_, j) => end - HOUR + j * STEP),
          values: Array.from({ length: 20 }, (_, j) => ((s0 + k) * 7 + j) % 101),
        })),
      );
    }
    const c0 = performance.now();
    result.checkpoint_longest_block_ms = round2(await longestBlock(() => ck.checkpointInSlices()));
    result.checkpoint_ms = round2(performance.now() - c0);
    result.checkpoint_at_once_block_ms = round2(await longestBlock(() => ck.close()));
    result.checkpoint_shape = `${ckSeries} series × 20 samples in their heads; longest main-thread CPU time between two timer turns, in slices (as ingest does) and at once (close)`;

    const dirW = join(work, 'week');
    const week = await EmbeddedStorage.open({ dir: dirW, syncIntervalMs: 0 });
    const wd = hostDataset(1, (7 * DAY) / STEP, end);
    await appendDataset(week, wd, 360, 1);
    await week.sealAll();
    while (week.maintenanceStep(500) > 0);
    const sel = [{ name: '__name__', op: '=' as const, value: 'node_cpu_usage_ratio' }];
    record(result, 'query_1x7d_ms', await timeMs(9, () => week.select('default', sel, end - 7 * DAY, end)));
    record(
      result,
      'query_1x7d_1m_ms',
      await timeMs(9, () => week.selectStep('default', sel, { start: end - 7 * DAY, end, step: 60_000, agg: 'avg' })),
    );
    await week.close();

    for (const [prefix, data] of [
      ['', nd],
      ['noisy_mix_', d],
    ] as const) {
      const prom: { value: number | null; reason?: string; detail?: string } =
        process.env.VIGIL_BENCH_SKIP_PEERS === '1'
          ? { value: null, reason: 'skipped: VIGIL_BENCH_SKIP_PEERS=1' }
          : await prometheusBytesPerSample(data, log);
      result[`${prefix}prometheus_bytes_per_sample`] = prom.value;
      if (prom.reason !== undefined) result[`${prefix}prometheus_bytes_per_sample_reason`] = prom.reason;
      if (prom.detail !== undefined) result[`${prefix}prometheus_detail`] = prom.detail;
    }
    result.node_mix_data = `${nd.labels.length} series × ${nd.samples} samples at 10 s: every series of a real prometheus-node-exporter 1.5.0 (${hosts} hosts), moving as it did between two real scrapes (bench/node-mix.ts)`;
    result.noisy_mix_data = `${seriesCount} series × 24 h at 10 s (${HOST_MIX.length} per host: 4 CPU ratios with one decimal, 2 memory byte gauges, 3 counters, 1 constant)`;
    return result;
  } finally {
    if (process.env.VIGIL_BENCH_KEEP === '1') log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** Type check that this module satisfies the bench contract. */
export const _bench: BenchModule = { description, run };
