import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, packageRoot } from '../src/core/index.js';
import { parseExposition } from '../src/ingest/index.js';

/**
 * The realistic host-metric mix: every series a real `prometheus-node-exporter` (Debian's 1.5.0) exposes,
 * evolved over time with the dynamics the same exporter showed between two scrapes taken 10 s apart
 * (`bench/fixtures/node-exporter-{a,b}.prom`, captured on the project's build machine).
 *
 * Per series, from its two real values a → b:
 * - unchanged (most series: info metrics, sizes, zero-rate error counters): stays constant;
 * - counters (`# TYPE … counter`, or a `_total`/`_count`/`_sum` name): grows by its real 10 s increment
 *   times a diurnal factor and ±30 % noise, at the series' own resolution;
 * - other gauges that changed: mean-reverting random walk around the real value, with the real change as
 *   the step size, at the series' own resolution.
 * "Resolution" is what the real values show: integers in units of the largest power of two (≤ 4096) that
 * divides both (memory pages, disk sectors), short decimals at their number of decimal places, and full
 * binary floats (`0.34700000000000003`, timings in seconds) left unrounded, as the exporter sends them.
 */

/** One series of the mix: its labels and how it moves. */
export interface NodeSeriesModel {
  labels: Record<string, string>;
  kind: 'constant' | 'counter' | 'gauge';
  start: number;
  /** Change over one 10 s step (counters: mean increment; gauges: step size of the walk). */
  step: number;
  /** Quantum values are rounded to (0: unrounded binary floats). */
  quantum: number;
}

function fixture(name: string): string {
  return readFileSync(join(packageRoot(), 'bench', 'fixtures', name), 'utf8');
}

/** Decimal places of the shortest representation of `v`, or -1 when it is not a short decimal (≤ 9 places). */
function decimals(v: number): number {
  for (let k = 0; k <= 9; k++) {
    const p = 10 ** k;
    if (Math.round(v * p) / p === v) return k;
  }
  return -1;
}

function powerOfTwoQuantum(a: number, b: number): number {
  let q = 4096;
  while (q > 1 && (a % q !== 0 || b % q !== 0)) q /= 2;
  return q;
}

function quantumOf(a: number, b: number): number {
  if (Number.isInteger(a) && Number.isInteger(b)) return powerOfTwoQuantum(a, b);
  const k = Math.max(decimals(a), decimals(b));
  return k < 0 || decimals(a) < 0 || decimals(b) < 0 ? 0 : 10 ** -k;
}

/** Reads the two captured scrapes into per-series models (one host's worth: about 500 series). */
export function nodeExporterModels(): NodeSeriesModel[] {
  const a = parseExposition(fixture('node-exporter-a.prom'), 'text');
  const b = parseExposition(fixture('node-exporter-b.prom'), 'text');
  const key = (l: Record<string, string>) => JSON.stringify(Object.entries(l).sort());
  const later = new Map(b.samples.map((s) => [key(s.labels), s.value]));
  const out: NodeSeriesModel[] = [];
  for (const s of a.samples) {
    const next = later.get(key(s.labels));
    if (next === undefined || !Number.isFinite(s.value) || !Number.isFinite(next)) continue;
    const name = s.labels.__name__ ?? '';
    const family = name.replace(/_(total|count|sum|bucket)$/, '');
    const type = a.types.get(name) ?? a.types.get(family);
    const isCounter = type === 'counter' || /_(total|count|sum)$/.test(name);
    const d = next - s.value;
    const quantum = quantumOf(s.value, next);
    if (d === 0) out.push({ labels: s.labels, kind: 'constant', start: s.value, step: 0, quantum });
    else if (isCounter && d > 0) out.push({ labels: s.labels, kind: 'counter', start: s.value, step: d, quantum });
    else out.push({ labels: s.labels, kind: 'gauge', start: s.value, step: Math.abs(d), quantum });
  }
  return out;
}

const rng = mulberry32;

function quantize(v: number, q: number): number {
  if (q === 0) return v;
  if (q >= 1) return Math.round(v / q) * q;
  const p = Math.round(1 / q);
  return Math.round(v * p) / p;
}

/** `n` samples at a 10 s interval starting at `start` (ms), for one series model; deterministic per seed. */
export function evolve(m: NodeSeriesModel, n: number, start: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  let v = m.start;
  for (let i = 0; i < n; i++) {
    if (m.kind === 'counter') {
      const hour = ((start + i * 10_000) / 3_600_000) % 24;
      const diurnal = 1 + 0.5 * Math.sin(((hour - 9) / 24) * 2 * Math.PI);
      // Unrounded float counters accumulate binary noise, as real ones do; quantized ones stay exact.
      const inc = quantize(m.step * diurnal * (0.7 + 0.6 * r()), m.quantum);
      v = m.quantum === 0 ? v + inc : quantize(v + inc, m.quantum);
    } else if (m.kind === 'gauge') {
      // Mean-reverting walk: pulled back towards the real level, stepping by the real change.
      const x = v + 0.1 * (m.start - v) + m.step * (r() - 0.5) * 1.4;
      v = quantize(m.start >= 0 ? Math.max(0, x) : x, m.quantum);
    }
    out[i] = v;
  }
  return out;
}
