import { type Labels, seriesKey } from '../core/index.js';
import { inferKind } from './model.js';

/** How the sources of one feature combine in a row: a sum of values, or a ratio of summed numerators and denominators. */
export type FeatureKind = 'sum' | 'ratio';

/** What one series contributes to one feature of its host. */
export interface HostSource {
  /** Feature name, e.g. `cpu_busy_ratio`, or the series itself in `every-series` mode. */
  feature: string;
  kind: FeatureKind;
  /** For a ratio: `num` adds to the numerator and the denominator, `den` only to the denominator. For a sum: `value`. */
  role: 'value' | 'num' | 'den';
  /** True for counters: the source contributes its per-second rate. */
  rate: boolean;
}

/**
 * Which series of a host the multivariate model sees: `core` (live detection) maps the host's core signals —
 * CPU, memory, disk and network byte rates, load — onto seven features; `every-series` (`vigil detect --host`,
 * where the CSV's columns are the user's choice) adds every other series as a feature of its own.
 */
export type HostFeatureMode = 'core' | 'every-series';

/** Most features one host model holds (`every-series` mode); further series are scored per series only. */
export const MAX_HOST_FEATURES = 64;

/** The seven core features and how their sources combine. */
export const CORE_FEATURES: ReadonlyArray<{ name: string; kind: FeatureKind }> = Object.freeze([
  { name: 'cpu_busy_ratio', kind: 'ratio' },
  { name: 'memory_available_bytes', kind: 'sum' },
  { name: 'disk_read_bytes_rate', kind: 'sum' },
  { name: 'disk_written_bytes_rate', kind: 'sum' },
  { name: 'network_receive_bytes_rate', kind: 'sum' },
  { name: 'network_transmit_bytes_rate', kind: 'sum' },
  { name: 'load1', kind: 'sum' },
]);

/** CPU modes that are not work done by this host (idle, waiting for I/O, stolen by the hypervisor). */
const NOT_BUSY = new Set(['idle', 'iowait', 'steal']);

const RATE_SUMS: Readonly<Record<string, string>> = {
  node_disk_read_bytes_total: 'disk_read_bytes_rate',
  node_disk_written_bytes_total: 'disk_written_bytes_rate',
  node_network_receive_bytes_total: 'network_receive_bytes_rate',
  node_network_transmit_bytes_total: 'network_transmit_bytes_rate',
};

function core(name: string, role: HostSource['role'], rate: boolean): HostSource {
  const f = CORE_FEATURES.find((c) => c.name === name) as (typeof CORE_FEATURES)[number];
  return { feature: f.name, kind: f.kind, role, rate };
}

/** The core feature a series feeds (node_exporter and Vigil agent names), or null when it is not a core signal. */
export function coreSource(labels: Labels): HostSource | null {
  const name = labels.__name__ ?? '';
  switch (name) {
    case 'node_cpu_seconds_total':
    case 'vigil_cpu_seconds_total':
      return core('cpu_busy_ratio', NOT_BUSY.has(labels.mode ?? '') ? 'den' : 'num', true);
    case 'node_memory_MemAvailable_bytes':
      return core('memory_available_bytes', 'value', false);
    case 'node_load1':
      return core('load1', 'value', false);
    default: {
      const f = RATE_SUMS[name];
      if (f === undefined || labels.device === 'lo') return null;
      return core(f, 'value', true);
    }
  }
}

/**
 * Maps one series of a host to what it contributes to the host model: its core feature, or in `every-series`
 * mode a feature of its own (a counter as its rate, a gauge as is); null when it contributes nothing.
 */
export function hostSource(labels: Labels, mode: HostFeatureMode): HostSource | null {
  const c = coreSource(labels);
  if (c !== null || mode === 'core') return c;
  return { feature: seriesKey(labels), kind: 'sum', role: 'value', rate: inferKind(labels) === 'counter' };
}
