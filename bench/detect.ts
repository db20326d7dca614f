import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { inferKind, SeriesModel } from '../src/detect/index.js';
import type { BenchOptions, BenchResult } from './types.js';

/** One sentence for `vigil bench --help`. */
export const description = 'per-series detector cost: ns per sample and bytes per series over a realistic mix of host series';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

/** Measures the per-series detector on one core. */
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
  };
}
