import type { LineSeries } from '../components/chart.js';
import type { Unit } from '../lib/format.js';
import type { PromSeries } from '../lib/prom.js';
import { PALETTE } from '../lib/theme.js';

/** Gauges a host page fetches in one query (averaged per step). */
export const HOST_GAUGES = [
  'node_load1',
  'node_load5',
  'node_load15',
  'node_memory_MemAvailable_bytes',
  'node_memory_MemTotal_bytes',
  'node_filesystem_avail_bytes',
  'node_filesystem_size_bytes',
  'node_procs_running',
  'node_procs_blocked',
  'vigil_probe_duration_seconds',
];

/** Counters a host page fetches in one query, as per-second rates. */
export const HOST_COUNTERS = [
  'node_cpu_seconds_total',
  'node_disk_read_bytes_total',
  'node_disk_written_bytes_total',
  'node_network_receive_bytes_total',
  'node_network_transmit_bytes_total',
];

const PSEUDO_FS = /^(tmpfs|devtmpfs|overlay|squashfs|ramfs|nsfs|proc|sysfs|cgroup2?|autofs)$/;

/** A host's series on one step grid: gauges, counter rates, and the grid's timestamps. */
export interface HostData {
  grid: number[];
  gauges: PromSeries[];
  rates: PromSeries[];
}

/** One chart of the host page, derived from the host's gauges and rates. */
export interface ChartSpec {
  id: string;
  group: string;
  title: string;
  unit: Unit;
  /** The chart's lines, each with the labels of the series it comes from (to match bands and forecasts). */
  lines: (d: HostData) => { label: string; labels: Record<string, string>; v: number[] }[];
  /** Metric names whose anomalies are marked on this chart. */
  metrics: string[];
  /** A raw gauge whose expected band (vigil_expected_lower/upper{metric}) is shaded behind the first line. */
  band?: string;
  /**
   * The capacity forecast drawn past now: `vigil_forecast{forecast_of=of}` forecasts usage, so the chart of what
   * is free shows `total − forecast` (the interval flips accordingly).
   */
  forecast?: { of: string; total: string };
}

/** Values of a series on the grid (NaN where it has no sample). */
export function onGrid(s: PromSeries, grid: readonly number[]): number[] {
  const out = new Array<number>(grid.length).fill(Number.NaN);
  if (grid.length === 0) return out;
  const start = grid[0]!;
  const step = grid.length > 1 ? grid[1]! - start : 1;
  for (let i = 0; i < s.t.length; i++) {
    const k = Math.round((s.t[i]! - start) / step);
    if (k >= 0 && k < out.length) out[k] = s.v[i]!;
  }
  return out;
}

function named(xs: readonly PromSeries[], name: string, keep: (l: Record<string, string>) => boolean = () => true): PromSeries[] {
  return xs.filter((s) => s.labels.__name__ === name && keep(s.labels));
}

/** Element-wise mean of several arrays, ignoring NaN. */
function mean(arrs: number[][], n: number): number[] {
  const out = new Array<number>(n).fill(Number.NaN);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    let c = 0;
    for (const a of arrs) {
      const v = a[k]!;
      if (Number.isFinite(v)) {
        sum += v;
        c++;
      }
    }
    if (c > 0) out[k] = sum / c;
  }
  return out;
}

/** Keys that tell apart the series of one metric on one host. */
export function sameDims(a: Record<string, string>, b: Record<string, string>): boolean {
  for (const k of ['mountpoint', 'device', 'cpu', 'mode', 'target']) if ((a[k] ?? '') !== (b[k] ?? '')) return false;
  return true;
}

function raw(name: string, legend: (l: Record<string, string>) => string, keep?: (l: Record<string, string>) => boolean) {
  return (d: HostData) => named(d.gauges, name, keep).map((s) => ({ label: legend(s.labels), labels: s.labels, v: onGrid(s, d.grid) }));
}

function rates(name: string, legend: (l: Record<string, string>) => string, keep?: (l: Record<string, string>) => boolean) {
  return (d: HostData) => named(d.rates, name, keep).map((s) => ({ label: legend(s.labels), labels: s.labels, v: onGrid(s, d.grid) }));
}

const realFs = (l: Record<string, string>) => !PSEUDO_FS.test(l.fstype ?? '');
const notLoopback = (l: Record<string, string>) => l.device !== 'lo';

function fsUsed(d: HostData) {
  const sizes = named(d.gauges, 'node_filesystem_size_bytes', realFs);
  return named(d.gauges, 'node_filesystem_avail_bytes', realFs).flatMap((a) => {
    const size = sizes.find((s) => sameDims(s.labels, a.labels));
    if (!size) return [];
    const av = onGrid(a, d.grid);
    const sz = onGrid(size, d.grid);
    return [{ label: a.labels.mountpoint ?? 'fs', labels: a.labels, v: av.map((v, k) => 100 * (1 - v / sz[k]!)) }];
  });
}

/** Charts per metric group (CPU, memory, disk space, disk I/O, network, latency probes, processes), node_exporter names. */
export const HOST_CHARTS: ChartSpec[] = [
  {
    id: 'cpu',
    group: 'CPU',
    title: 'CPU busy',
    unit: 'percent',
    lines: (d) => {
      const idle = named(d.rates, 'node_cpu_seconds_total', (l) => l.mode === 'idle').map((s) => onGrid(s, d.grid));
      if (idle.length === 0) return [];
      return [{ label: 'busy', labels: {}, v: mean(idle, d.grid.length).map((x) => Math.max(0, Math.min(100, 100 * (1 - x)))) }];
    },
    metrics: ['node_cpu_seconds_total', 'vigil_cpu_seconds_total'],
  },
  {
    id: 'cpu-mode',
    group: 'CPU',
    title: 'CPU by mode',
    unit: 'percent',
    lines: (d) => {
      const byMode = new Map<string, number[][]>();
      for (const s of named(d.rates, 'node_cpu_seconds_total', (l) => l.mode !== 'idle')) {
        const m = s.labels.mode ?? '';
        byMode.set(m, [...(byMode.get(m) ?? []), onGrid(s, d.grid)]);
      }
      return [...byMode.entries()]
        .sort()
        .map(([mode, arrs]) => ({ label: mode, labels: { mode }, v: mean(arrs, d.grid.length).map((x) => 100 * x) }));
    },
    metrics: [],
  },
  {
    id: 'load',
    group: 'CPU',
    title: 'Load average',
    unit: 'none',
    lines: (d) => ['node_load1', 'node_load5', 'node_load15'].flatMap((n) => raw(n, () => n.replace('node_', ''))(d)),
    metrics: ['node_load1', 'node_load5', 'node_load15'],
    band: 'node_load1',
  },
  {
    id: 'mem-used',
    group: 'Memory',
    title: 'Memory used',
    unit: 'percent',
    lines: (d) => {
      const a = named(d.gauges, 'node_memory_MemAvailable_bytes')[0];
      const t = named(d.gauges, 'node_memory_MemTotal_bytes')[0];
      if (!a || !t) return [];
      const tv = onGrid(t, d.grid);
      return [{ label: 'used', labels: {}, v: onGrid(a, d.grid).map((v, k) => 100 * (1 - v / tv[k]!)) }];
    },
    metrics: ['vigil_memory_used_bytes', 'node_memory_used_bytes'],
  },
  {
    id: 'mem-avail',
    group: 'Memory',
    title: 'Memory available',
    unit: 'bytes',
    lines: raw('node_memory_MemAvailable_bytes', () => 'available'),
    metrics: ['node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes'],
    band: 'node_memory_MemAvailable_bytes',
    forecast: { of: 'node_memory_used_bytes', total: 'node_memory_MemTotal_bytes' },
  },
  {
    id: 'fs-used',
    group: 'Disk space',
    title: 'Filesystem used',
    unit: 'percent',
    lines: fsUsed,
    metrics: ['vigil_filesystem_used_bytes', 'node_filesystem_used_bytes'],
  },
  {
    id: 'fs-avail',
    group: 'Disk space',
    title: 'Filesystem available',
    unit: 'bytes',
    lines: raw('node_filesystem_avail_bytes', (l) => l.mountpoint ?? 'fs', realFs),
    metrics: ['node_filesystem_avail_bytes', 'node_filesystem_free_bytes', 'node_filesystem_size_bytes'],
    band: 'node_filesystem_avail_bytes',
    forecast: { of: 'node_filesystem_used_bytes', total: 'node_filesystem_size_bytes' },
  },
  {
    id: 'disk-read',
    group: 'Disk I/O',
    title: 'Disk read',
    unit: 'bytes/s',
    lines: rates('node_disk_read_bytes_total', (l) => l.device ?? 'disk'),
    metrics: ['node_disk_read_bytes_total', 'node_disk_reads_completed_total'],
  },
  {
    id: 'disk-write',
    group: 'Disk I/O',
    title: 'Disk written',
    unit: 'bytes/s',
    lines: rates('node_disk_written_bytes_total', (l) => l.device ?? 'disk'),
    metrics: ['node_disk_written_bytes_total', 'node_disk_writes_completed_total', 'node_disk_io_time_seconds_total'],
  },
  {
    id: 'net-rx',
    group: 'Network',
    title: 'Network received',
    unit: 'bytes/s',
    lines: rates('node_network_receive_bytes_total', (l) => l.device ?? 'net', notLoopback),
    metrics: ['node_network_receive_bytes_total', 'node_network_receive_packets_total', 'node_network_receive_errs_total'],
  },
  {
    id: 'net-tx',
    group: 'Network',
    title: 'Network sent',
    unit: 'bytes/s',
    lines: rates('node_network_transmit_bytes_total', (l) => l.device ?? 'net', notLoopback),
    metrics: ['node_network_transmit_bytes_total', 'node_network_transmit_packets_total', 'node_network_transmit_errs_total'],
  },
  {
    id: 'probes',
    group: 'Latency probes',
    title: 'Probe duration',
    unit: 'seconds',
    lines: raw('vigil_probe_duration_seconds', (l) => l.target ?? l.url ?? l.name ?? 'probe'),
    metrics: ['vigil_probe_duration_seconds', 'vigil_probe_success', 'vigil_probe_http_ttfb_seconds'],
  },
  {
    id: 'procs',
    group: 'Processes',
    title: 'Processes',
    unit: 'count',
    lines: (d) => ['node_procs_running', 'node_procs_blocked'].flatMap((n) => raw(n, () => n.replace('node_procs_', ''))(d)),
    metrics: ['node_procs_running', 'node_procs_blocked', 'vigil_processes', 'node_processes_threads'],
    band: 'node_procs_running',
  },
];

/** Builds every chart's lines from a host's data; charts without data get no lines. */
export function buildLines(spec: ChartSpec, d: HostData): (LineSeries & { labels: Record<string, string> })[] {
  return spec.lines(d).map((l, i) => ({ label: l.label, labels: l.labels, t: d.grid, v: l.v, color: PALETTE[i % PALETTE.length] }));
}
