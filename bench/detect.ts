import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Labels, mulberry32, seriesKey } from '../src/core/index.js';
import { syntheticHost } from '../src/detect/host-synthetic.js';
import { HostTracker } from '../src/detect/host-tracker.js';
import {
  columnLabels,
  DEFAULT_DETECTOR_SETTINGS,
  DetectionShard,
  inferKind,
  roundBand,
  roundScore,
  SeriesModel,
} from '../src/detect/index.js';
import { encodeChunk } from '../src/tsdb/chunk.js';
import { CHUNK_SAMPLES } from '../src/tsdb/index.js';
import type { BenchOptions, BenchResult } from './types.js';

/** One sentence for `vigil bench --help`. */
export const description =
  'detector cost: ns per sample and bytes per series over a realistic mix of host series, and ns per host row of the multivariate model';

const rng = mulberry32;

/** A host's mix: diurnal CPU %, memory bytes, counters (bytes, packets), load, disk % and a few stuck gauges. */
function makeSeries(k: number, n: number, stepMs: number): { name: string; values: Float64Array } {
  const r = rng(k + 1);
  const kinds = ['cpu', 'mem', 'net_total', 'disk_io_total', 'load', 'disk_pct', 'flat'];
  const kind = kinds[k % kinds.length] as string;
  const v = new Float64Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const day = Math.sin((2 * Math.PI * ((i * stepMs) % 86_400_000)) / 86_400_000);
    const noise = r() - 0.5;
    switch (kind) {
      case 'cpu':
        v[i] = Math.round(Math.max(0, Math.min(100, 30 + 20 * day + 8 * noise)) * 10) / 10;
        break;
      case 'mem':
        v[i] = Math.round(4e9 + 5e8 * day + 5e7 * noise);
        break;
      case 'net_total':
      case 'disk_io_total':
        c += Math.max(0, 1e5 * (1 + 0.5 * day) + 3e4 * noise);
        v[i] = Math.round(c);
        break;
      case 'load':
        v[i] = Math.round(Math.max(0, 1.5 + day + noise) * 100) / 100;
        break;
      case 'disk_pct':
        v[i] = 55 + i * 1e-5 + 0.01 * noise;
        break;
      default:
        v[i] = i % 500 < 400 ? 1 : 0;
    }
  }
  return { name: kind.endsWith('_total') ? `node_${kind}` : `node_${kind}`, values: v };
}

/**
 * A host as node_exporter reports it: per-CPU, per-mode CPU counters (8 CPUs × 8 modes), available memory, two
 * disks and two NICs (read/written, received/transmitted bytes) and load — 73 series feeding the 7 core features —
 * derived from a synthetic host's correlated signals.
 */
function nodeExporterHost(rows: number, stepMs: number, seed: number): { labels: Labels[]; t: number[]; values: Float64Array[] } {
  const h = syntheticHost({ start: Date.UTC(2026, 0, 5), stepMs, rows, seed });
  const col = (prefix: string) => h.values[h.names.findIndex((n) => n.startsWith(prefix))] as number[];
  const idle = col('vigil_cpu_seconds_total{mode="idle"}');
  const user = col('vigil_cpu_seconds_total{mode="user"}');
  const labels: Labels[] = [];
  const values: Float64Array[] = [];
  const add = (l: Labels, f: (i: number) => number) => {
    labels.push({ ...l, host: `bench-${seed}` });
    values.push(Float64Array.from({ length: rows }, (_, i) => f(i)));
  };
  const modes: Array<[string, (i: number) => number]> = [
    ['idle', (i) => (idle[i] as number) / 8],
    ['user', (i) => (0.7 * (user[i] as number)) / 8],
    ['system', (i) => (0.2 * (user[i] as number)) / 8],
    ['iowait', (i) => (0.05 * (user[i] as number)) / 8],
    ['irq', (i) => (0.01 * (user[i] as number)) / 8],
    ['softirq', (i) => (0.04 * (user[i] as number)) / 8],
    ['nice', (i) => i * 1e-3],
    ['steal', () => 0],
  ];
  for (let c = 0; c < 8; c++)
    for (const [mode, f] of modes) add({ __name__: 'node_cpu_seconds_total', cpu: String(c), mode }, (i) => f(i) * (1 + 0.01 * c));
  for (let k = 0; k < h.names.length; k++) {
    const l = columnLabels(h.names[k] as string);
    if (l.__name__ === 'vigil_cpu_seconds_total') continue;
    const v = h.values[k] as number[];
    const devices = l.device === undefined ? [undefined] : [`${l.device}`, `${l.device}b`];
    for (const device of devices)
      add(device === undefined ? l : { ...l, device }, (i) => (device?.endsWith('b') ? 0.5 : 1) * (v[i] as number));
  }
  add({ __name__: 'node_disk_read_bytes_total', device: 'sda' }, (i) => 1e9 + i * 2e5 * stepMs * 1e-3);
  return { labels, t: h.t, values };
}

/**
 * Cost of the per-host multivariate model per host row: assembling a node_exporter-like host's 73 series into the
 * 7 core features (counters to rates), scoring the row and learning from it, hourly refits included. The per-series
 * scores are given, so only the host's share is timed.
 */
function hostCost(opts: BenchOptions): BenchResult {
  const hosts = opts.quick ? 5 : 10;
  const stepMs = 15_000;
  const rows = opts.quick ? 4 * 1440 : 4 * 5760;
  opts.log(`detect: ${hosts} hosts × ${rows} rows (step ${stepMs / 1000}s) through the host model`);
  const data = Array.from({ length: hosts }, (_, k) => nodeExporterHost(rows, stepMs, k + 1));
  const trackers = data.map(() => new HostTracker({ mode: 'core', decades: DEFAULT_DETECTOR_SETTINGS.scoreDecades }));
  const slots = data.map((d, k) => d.labels.map((l) => (trackers[k] as HostTracker).attach(seriesKey(l), l)));
  const step = (i: number) => {
    for (let k = 0; k < hosts; k++) {
      const d = data[k] as (typeof data)[number];
      const tr = trackers[k] as HostTracker;
      const s = slots[k] as number[];
      for (let j = 0; j < d.labels.length; j++) tr.observe(s[j] as number, d.t[i] as number, d.values[j]?.[i] as number, 0.1, false);
      tr.close(false);
    }
  };
  // Warm-up: the first tenth (the first fits happen here).
  const warm = Math.floor(rows / 10);
  for (let i = 0; i < warm; i++) step(i);
  const cpu0 = process.cpuUsage();
  for (let i = warm; i < rows; i++) step(i);
  const cpu = process.cpuUsage(cpu0);
  const updates = (rows - warm) * hosts;
  const bytes = trackers.reduce((a, tr) => a + Buffer.byteLength(JSON.stringify(tr.model.save())), 0) / hosts;
  const ns = ((cpu.user + cpu.system) * 1000) / updates;
  const series = (data[0] as (typeof data)[number]).labels.length;
  return {
    host_ns_per_update: Math.round(ns),
    // Spread over the samples of the host's series that feed the model (a real host has more series, so less per sample).
    host_ns_per_core_sample: Math.round(ns / series),
    host_series: series,
    host_state_json_bytes: Math.round(bytes),
    host_updates: updates,
  };
}

/**
 * CPU ns per sample through `DetectionShard.push` (what a worker runs), time-major, one push per time step, for the
 * same series without and with `host` labels (50 series a host): the second includes assembling host rows and the
 * per-host model, so the difference is what host tracking adds per sample.
 */
function shardCost(
  series: ReadonlyArray<{ name: string; values: Float64Array }>,
  samples: number,
  stepMs: number,
  t0: number,
): BenchResult {
  const measure = (withHost: boolean): number => {
    const labels: Labels[] = series.map((s, k) => ({
      __name__: s.name,
      series: String(k),
      ...(withHost ? { host: `h${Math.floor(k / 50)}` } : {}),
    }));
    const keys = labels.map(seriesKey);
    const shard = new DetectionShard();
    const push = (i: number) =>
      shard.push(
        'default',
        labels.map((l, k) => ({
          series: keys[k] as string,
          labels: l,
          timestamps: [t0 + i * stepMs],
          values: [series[k]?.values[i] as number],
        })),
      );
    const warm = Math.floor(samples / 10);
    for (let i = 0; i < warm; i++) push(i);
    const cpu0 = process.cpuUsage();
    for (let i = warm; i < samples; i++) push(i);
    const cpu = process.cpuUsage(cpu0);
    return ((cpu.user + cpu.system) * 1000) / ((samples - warm) * series.length);
  };
  // Alternated, best of three each: the machine's other load changes from one run to the next.
  let without = Number.POSITIVE_INFINITY;
  let withHost = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    withHost = Math.min(withHost, measure(true));
    without = Math.min(without, measure(false));
  }
  return { shard_ns_per_sample: Math.round(without), shard_with_hosts_ns_per_sample: Math.round(withHost) };
}

/**
 * What detection's output costs the store: chunk bytes per sample (timestamps included, chunks of CHUNK_SAMPLES)
 * of the input, and of its score and expected bands as full doubles and as stored (rounded, precision.ts).
 */
function storedOutputCost(series: { name: string; values: Float64Array }[], samples: number, stepMs: number, t0: number): BenchResult {
  const ts = Array.from({ length: samples }, (_, i) => t0 + i * stepMs);
  const bytes = (vs: ArrayLike<number>) => {
    let b = 0;
    for (let i = 0; i < samples; i += CHUNK_SAMPLES) b += encodeChunk(ts, vs, i, Math.min(samples, i + CHUNK_SAMPLES)).length;
    return b;
  };
  const sum = { input: 0, score: 0, band: 0, score_stored: 0, band_stored: 0 };
  for (const s of series) {
    const m = new SeriesModel({ kind: inferKind({ __name__: s.name }) });
    const score = new Float64Array(samples);
    const lower = new Float64Array(samples);
    const upper = new Float64Array(samples);
    for (let i = 0; i < samples; i++) {
      const r = m.update(ts[i] as number, s.values[i] as number);
      score[i] = r.score;
      lower[i] = r.expected[0];
      upper[i] = r.expected[1];
    }
    sum.input += bytes(s.values.subarray(0, samples));
    sum.score += bytes(score);
    sum.band += bytes(lower) + bytes(upper);
    sum.score_stored += bytes(score.map(roundScore));
    sum.band_stored += bytes(lower.map(roundBand)) + bytes(upper.map(roundBand));
  }
  const per = (b: number, n = 1) => Math.round((b / (n * samples * series.length)) * 100) / 100;
  return {
    stored_input_bytes_per_sample: per(sum.input),
    stored_score_bytes_per_sample_unrounded: per(sum.score),
    stored_band_bytes_per_sample_unrounded: per(sum.band, 2),
    stored_score_bytes_per_sample: per(sum.score_stored),
    stored_band_bytes_per_sample: per(sum.band_stored, 2),
  };
}

/** Measures the per-series detector and the per-host model on one core. */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const seriesCount = opts.quick ? 50 : 200;
  const samples = opts.quick ? 5_000 : 20_000;
  const stepMs = 15_000;
  const t0 = Date.UTC(2026, 0, 5);
  opts.log(
    `detect: ${seriesCount} series × ${samples} samples (step ${stepMs / 1000}s, ${((samples * stepMs) / 86_400_000).toFixed(1)} days)`,
  );
  const series = Array.from({ length: seriesCount }, (_, k) => makeSeries(k, samples, stepMs));
  // Heap per series: growth of the heap (between full collections) from before the models exist to after the run.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const models = series.map((s) => new SeriesModel({ kind: inferKind({ __name__: s.name }) }));
  // Warm-up pass on the first tenth so V8 has optimised the hot path before timing.
  const warm = Math.floor(samples / 10);
  for (let k = 0; k < seriesCount; k++) {
    const m = models[k] as SeriesModel;
    const v = (series[k] as { values: Float64Array }).values;
    for (let i = 0; i < warm; i++) m.update(t0 + i * stepMs, v[i] as number);
  }
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  // Time-major order, as samples arrive in production: every series gets its sample for time i.
  for (let i = warm; i < samples; i++) {
    const t = t0 + i * stepMs;
    for (let k = 0; k < seriesCount; k++)
      sink += (models[k] as SeriesModel).update(t, (series[k] as { values: Float64Array }).values[i] as number).score;
  }
  const wallNs = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this (single-threaded) loop: on a shared machine wall time also counts other processes' turns.
  const ns = (cpu.user + cpu.system) * 1000;
  const scored = (samples - warm) * seriesCount;
  const bytes = models.reduce((a, m) => a + Buffer.byteLength(JSON.stringify(m.save())), 0) / seriesCount;
  gc();
  const heapPerSeries = (process.memoryUsage().heapUsed - heapBefore) / seriesCount;
  opts.log(`detect: checksum ${sink.toFixed(3)}`);
  return {
    ns_per_sample: Math.round(ns / scored),
    wall_ns_per_sample: Math.round(wallNs / scored),
    bytes_per_series: Math.round(heapPerSeries),
    state_json_bytes_per_series: Math.round(bytes),
    series: seriesCount,
    samples_scored: scored,
    ...shardCost(series, opts.quick ? 1_000 : 3_000, stepMs, t0),
    ...storedOutputCost(series.slice(0, 50), opts.quick ? 2_000 : 5_000, stepMs, t0),
    ...hostCost(opts),
  };
}
