import type { Unit } from '../lib/format.js';
import { promString } from '../lib/prom.js';

/** One chart of the host page: PromQL expressions, the raw metrics it shows (for anomaly markers), band and forecast sources. */
export interface ChartSpec {
  id: string;
  group: string;
  title: string;
  unit: Unit;
  /** PromQL per line set; `{h}` is the host matcher, `{r}` the rate window. */
  queries: { expr: string; legend: (labels: Record<string, string>) => string }[];
  /** Metric names whose anomalies are marked on this chart. */
  metrics: string[];
  /** A raw gauge whose expected band (vigil_expected_lower/upper) is shaded behind the first line. */
  band?: string;
  /**
   * The capacity forecast drawn past now: `vigil_forecast{forecast_of=of}` forecasts usage, so the chart of what
   * is free shows `total − forecast` (the interval flips accordingly).
   */
  forecast?: { of: string; total: string };
}

const FS = 'fstype!~"tmpfs|devtmpfs|overlay|squashfs|ramfs|nsfs|proc|sysfs"';

/** Charts per metric group (CPU, memory, disk space, disk I/O, network, latency probes, processes), node_exporter names. */
export const HOST_CHARTS: ChartSpec[] = [
  {
    id: 'cpu',
    group: 'CPU',
    title: 'CPU busy',
    unit: 'percent',
    queries: [{ expr: '100 * (1 - avg(rate(node_cpu_seconds_total{{h},mode="idle"}[{r}])))', legend: () => 'busy' }],
    metrics: ['node_cpu_seconds_total', 'vigil_cpu_seconds_total'],
  },
  {
    id: 'cpu-mode',
    group: 'CPU',
    title: 'CPU by mode',
    unit: 'percent',
    queries: [{ expr: '100 * avg by (mode) (rate(node_cpu_seconds_total{{h},mode!="idle"}[{r}]))', legend: (l) => l.mode ?? 'cpu' }],
    metrics: [],
  },
  {
    id: 'load',
    group: 'CPU',
    title: 'Load average',
    unit: 'none',
    queries: [{ expr: '{__name__=~"node_load1|node_load5|node_load15",{h}}', legend: (l) => (l.__name__ ?? 'load').replace('node_', '') }],
    metrics: ['node_load1', 'node_load5', 'node_load15'],
    band: 'node_load1',
  },
  {
    id: 'mem-used',
    group: 'Memory',
    title: 'Memory used',
    unit: 'percent',
    queries: [{ expr: '100 * (1 - node_memory_MemAvailable_bytes{{h}} / node_memory_MemTotal_bytes{{h}})', legend: () => 'used' }],
    metrics: ['vigil_memory_used_bytes'],
  },
  {
    id: 'mem-avail',
    group: 'Memory',
    title: 'Memory available',
    unit: 'bytes',
    queries: [{ expr: 'node_memory_MemAvailable_bytes{{h}}', legend: () => 'available' }],
    metrics: ['node_memory_MemAvailable_bytes'],
    band: 'node_memory_MemAvailable_bytes',
    forecast: { of: 'node_memory_used_bytes', total: 'node_memory_MemTotal_bytes' },
  },
  {
    id: 'fs-used',
    group: 'Disk space',
    title: 'Filesystem used',
    unit: 'percent',
    queries: [
      {
        expr: `100 * (1 - node_filesystem_avail_bytes{{h},${FS}} / node_filesystem_size_bytes{{h},${FS}})`,
        legend: (l) => l.mountpoint ?? 'fs',
      },
    ],
    metrics: ['vigil_filesystem_used_bytes'],
  },
  {
    id: 'fs-avail',
    group: 'Disk space',
    title: 'Filesystem available',
    unit: 'bytes',
    queries: [{ expr: `node_filesystem_avail_bytes{{h},${FS}}`, legend: (l) => l.mountpoint ?? 'fs' }],
    metrics: ['node_filesystem_avail_bytes', 'node_filesystem_free_bytes'],
    band: 'node_filesystem_avail_bytes',
    forecast: { of: 'node_filesystem_used_bytes', total: 'node_filesystem_size_bytes' },
  },
  {
    id: 'disk-read',
    group: 'Disk I/O',
    title: 'Disk read',
    unit: 'bytes/s',
    queries: [{ expr: 'rate(node_disk_read_bytes_total{{h}}[{r}])', legend: (l) => l.device ?? 'disk' }],
    metrics: ['node_disk_read_bytes_total', 'node_disk_reads_completed_total'],
  },
  {
    id: 'disk-write',
    group: 'Disk I/O',
    title: 'Disk written',
    unit: 'bytes/s',
    queries: [{ expr: 'rate(node_disk_written_bytes_total{{h}}[{r}])', legend: (l) => l.device ?? 'disk' }],
    metrics: ['node_disk_written_bytes_total', 'node_disk_writes_completed_total', 'node_disk_io_time_seconds_total'],
  },
  {
    id: 'net-rx',
    group: 'Network',
    title: 'Network received',
    unit: 'bytes/s',
    queries: [{ expr: 'rate(node_network_receive_bytes_total{{h},device!="lo"}[{r}])', legend: (l) => l.device ?? 'net' }],
    metrics: ['node_network_receive_bytes_total', 'node_network_receive_packets_total', 'node_network_receive_errs_total'],
  },
  {
    id: 'net-tx',
    group: 'Network',
    title: 'Network sent',
    unit: 'bytes/s',
    queries: [{ expr: 'rate(node_network_transmit_bytes_total{{h},device!="lo"}[{r}])', legend: (l) => l.device ?? 'net' }],
    metrics: ['node_network_transmit_bytes_total', 'node_network_transmit_packets_total', 'node_network_transmit_errs_total'],
  },
  {
    id: 'probes',
    group: 'Latency probes',
    title: 'Probe duration',
    unit: 'seconds',
    queries: [{ expr: 'vigil_probe_duration_seconds{{h}}', legend: (l) => l.target ?? l.url ?? l.name ?? 'probe' }],
    metrics: ['vigil_probe_duration_seconds', 'vigil_probe_success', 'vigil_probe_http_ttfb_seconds'],
  },
  {
    id: 'procs',
    group: 'Processes',
    title: 'Processes',
    unit: 'count',
    queries: [{ expr: '{__name__=~"node_procs_running|node_procs_blocked",{h}}', legend: (l) => (l.__name__ ?? '').replace('node_procs_', '') }],
    metrics: ['node_procs_running', 'node_procs_blocked', 'vigil_processes', 'node_processes_threads'],
    band: 'node_procs_running',
  },
];

/** Fills a chart expression for one host and rate window. */
export function expand(expr: string, host: string, rateWindowS: number): string {
  return expr.replaceAll('{h}', `host=${promString(host)}`).replaceAll('{r}', `${rateWindowS}s`);
}
