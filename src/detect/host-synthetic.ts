import { mulberry32 } from '../core/index.js';
/** Synthetic hosts for tests, `vigil bench detect` and examples: correlated diurnal core signals with noise. */

/** Options of `syntheticHost`. */
export interface SyntheticHostOptions {
  /** Unix ms of the first row. */
  start: number;
  stepMs: number;
  rows: number;
  seed: number;
  /**
   * Rows [from, to) where the network decouples from the workload: both byte rates ramp (over `rampRows`) down to
   * `factor` of what the workload implies while CPU and load carry on — each value stays inside its own usual range —
   * and ramp back over the next `rampRows`.
   */
  decouple?: { from: number; to: number; factor: number; rampRows: number };
}

/** One synthetic host: series names (Prometheus text form) and, per series, values aligned with `t`. */
export interface SyntheticHost {
  names: string[];
  t: number[];
  values: number[][];
}

const rng = mulberry32;

/**
 * A host whose CPU, load and network follow one workload (a daily cycle plus a slow random walk, so no single
 * series is predictable from the time of day alone), with independent disk writes and memory; counters as counters.
 */
export function syntheticHost(o: SyntheticHostOptions): SyntheticHost {
  const r = rng(o.seed);
  const gauss = () => {
    const u = Math.max(r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const names = [
    'vigil_cpu_seconds_total{mode="idle"}',
    'vigil_cpu_seconds_total{mode="user"}',
    'node_load1',
    'node_memory_MemAvailable_bytes',
    'node_network_receive_bytes_total{device="eth0"}',
    'node_network_transmit_bytes_total{device="eth0"}',
    'node_disk_written_bytes_total{device="sda"}',
  ];
  const values: number[][] = names.map(() => []);
  const t: number[] = [];
  const cpus = 4;
  const stepS = o.stepMs / 1000;
  // Ornstein-Uhlenbeck wander of the workload: 30-minute time constant.
  const tau = 1800_000 / o.stepMs;
  const sigma = 0.1;
  let ou = 0;
  let idle = 1e6;
  let user = 5e5;
  let rx = 1e12;
  let tx = 5e11;
  let wr = 2e11;
  for (let i = 0; i < o.rows; i++) {
    const ti = o.start + i * o.stepMs;
    const day = (ti % 86_400_000) / 86_400_000;
    const diurnal = 0.5 + 0.2 * Math.sin(2 * Math.PI * (day - 0.3));
    ou += -ou / tau + sigma * Math.sqrt(2 / tau) * gauss();
    const w = Math.min(1, Math.max(0.05, diurnal + ou));
    const busy = Math.min(0.98, Math.max(0.01, 0.05 + 0.6 * w + 0.01 * gauss()));
    idle += (1 - busy) * cpus * stepS;
    user += busy * cpus * stepS;
    let net = 1;
    const d = o.decouple;
    if (d !== undefined && i >= d.from && i < d.to + d.rampRows) {
      const depth = i < d.to ? Math.min(1, (i - d.from + 1) / d.rampRows) : 1 - (i - d.to + 1) / d.rampRows;
      net = 1 - (1 - d.factor) * depth;
    }
    rx += 2e6 * w * net * (1 + 0.04 * gauss()) * stepS;
    tx += 1e6 * w * net * (1 + 0.04 * gauss()) * stepS;
    wr += 4e5 * (1 + 0.1 * gauss()) * stepS;
    const row = [
      Math.round(idle * 100) / 100,
      Math.round(user * 100) / 100,
      Math.max(0, Math.round((4 * busy + 0.1 * gauss()) * 100) / 100),
      Math.round(8e9 - 1.5e9 * diurnal + 3e7 * gauss()),
      Math.round(rx),
      Math.round(tx),
      Math.round(wr),
    ];
    t.push(ti);
    row.forEach((v, k) => {
      (values[k] as number[]).push(v);
    });
  }
  return { names, t, values };
}
