/**
 * Real peers for tests and benchmarks: Debian's `prometheus`, `prometheus-node-exporter` and
 * `victoria-metrics`, each started on a free loopback port with its own temporary directory and
 * stopped (and the directory removed) by `stop()`. Binaries can be overridden with
 * VIGIL_PROMETHEUS_BIN, VIGIL_NODE_EXPORTER_BIN and VIGIL_VICTORIA_METRICS_BIN.
 *
 * Typical use:
 *   const ne = await startNodeExporter();
 *   const prom = await startPrometheus({ scrapeConfigs: [scrapeConfig('node', [ne.address], '1s')] });
 *   const result = await prom.query('node_load1');
 *   await prom.stop(); await ne.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/core/index.js';

/** Paths of the peer binaries. */
export const PROMETHEUS_BIN = process.env.VIGIL_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const NODE_EXPORTER_BIN = process.env.VIGIL_NODE_EXPORTER_BIN ?? '/usr/bin/prometheus-node-exporter';
export const VICTORIA_METRICS_BIN = process.env.VIGIL_VICTORIA_METRICS_BIN ?? '/usr/bin/victoria-metrics';

/** True when `path` exists and is executable. */
export function binaryAvailable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every `everyMs` until it returns something other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc; null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** User + system CPU seconds from a `/proc/…/stat` file (a process's, or one thread's under `task/`), null when gone. */
export function statCpuSeconds(path: string): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Resident memory of a process in bytes (VmRSS), null when it is gone. */
export function processRssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** A running peer process. */
export interface PeerProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** `127.0.0.1:PORT`, the form scrape targets use. */
  address: string;
  port: number;
  pid: number;
  /** Temporary directory holding its data and `output.log`. */
  dir: string;
  /** CPU seconds used so far (user + system). */
  cpuSeconds(): number;
  /** The process's combined stdout and stderr so far, for failure messages. */
  log(): string;
  /** SIGTERM, then SIGKILL after 10 s; removes the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

async function launch(
  name: string,
  bin: string,
  args: (port: number, dir: string) => string[],
  readyPath: string,
  timeoutMs = 30_000,
): Promise<PeerProcess> {
  if (!binaryAvailable(bin)) throw new Error(`${name} is not installed at ${bin}`);
  const dir = mkdtempSync(join(tmpdir(), `vigil-${name}-`));
  const port = await freePort();
  const logPath = join(dir, 'output.log');
  const out = openSync(logPath, 'a');
  const child: ChildProcess = spawn(bin, args(port, dir), { cwd: dir, stdio: ['ignore', out, out] });
  const pid = child.pid ?? -1;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 10_000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`${name} exited early:\n${log().slice(-2000)}`);
        const res = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        return res.ok;
      },
      timeoutMs,
      `${name} to be ready`,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, address: `127.0.0.1:${port}`, port, pid, dir, cpuSeconds: () => processCpuSeconds(pid) ?? 0, log, stop };
}

/** Options for node_exporter. */
export interface NodeExporterOptions {
  /** Extra flags, e.g. `--no-collector.hwmon`. */
  extraArgs?: string[];
}

/** Starts Debian's node_exporter on a free port (its textfile collector pointed at its temp dir). */
export function startNodeExporter(opts: NodeExporterOptions = {}): Promise<PeerProcess> {
  return launch(
    'node-exporter',
    NODE_EXPORTER_BIN,
    (port, dir) => [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${dir}`, ...(opts.extraArgs ?? [])],
    '/metrics',
  );
}

/** One Prometheus scrape job in Prometheus' own YAML shape (serialised as JSON, which YAML accepts). */
export function scrapeConfig(
  job: string,
  targets: string[],
  interval = '1s',
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return { job_name: job, scrape_interval: interval, scrape_timeout: interval, static_configs: [{ targets, labels }] };
}

/** Options for Prometheus. */
export interface PrometheusOptions {
  /** Entries of `scrape_configs` (see `scrapeConfig`). */
  scrapeConfigs?: Record<string, unknown>[];
  /** Remote-write destinations; `queue_config` defaults to a 1 s send deadline so tests see data quickly. */
  remoteWrite?: { url: string; headers?: Record<string, string>; queue_config?: Record<string, unknown> }[];
  /** Global scrape and evaluation interval (default 1s). */
  scrapeInterval?: string;
  /** Accept remote_write on `/api/v1/write` (`--web.enable-remote-write-receiver`). */
  remoteWriteReceiver?: boolean;
  /** Also scrape Prometheus itself, as job "prometheus" (its own `prometheus_*` metrics). */
  scrapeSelf?: boolean;
  extraArgs?: string[];
}

/** One series of a Prometheus query result with its raw samples ([Unix ms, value]). */
export interface PromSeries {
  metric: Record<string, string>;
  samples: [number, number][];
}

/** A running Prometheus with helpers for its HTTP API. */
export interface PrometheusHandle extends PeerProcess {
  /** GET an API path (`/api/v1/...`) with query parameters; returns `data` or throws with Prometheus' error. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  /**
   * Runs an instant query. A range selector (`up[5m]`) returns the raw stored samples of each series;
   * an instant vector returns one sample per series.
   */
  query(expr: string, time?: number): Promise<PromSeries[]>;
  /** The config file Prometheus was started with (YAML-compatible JSON). */
  configText: string;
}

function parsePromValue(v: string): number {
  if (v === 'NaN') return Number.NaN;
  if (v === '+Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** Starts Debian's Prometheus on a free port with a temp TSDB and the given scrape and remote-write config. */
export async function startPrometheus(opts: PrometheusOptions = {}): Promise<PrometheusHandle> {
  const interval = opts.scrapeInterval ?? '1s';
  const config = (port: number) => ({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      ...(opts.scrapeSelf ? [scrapeConfig('prometheus', [`127.0.0.1:${port}`], interval)] : []),
      ...(opts.scrapeConfigs ?? []),
    ],
    remote_write: (opts.remoteWrite ?? []).map((rw) => ({
      url: rw.url,
      ...(rw.headers ? { headers: rw.headers } : {}),
      queue_config: { batch_send_deadline: '1s', min_backoff: '100ms', max_backoff: '1s', ...rw.queue_config },
      metadata_config: { send: false },
    })),
  });
  let configText = '';
  const peer = await launch(
    'prometheus',
    PROMETHEUS_BIN,
    (port, dir) => {
      const configPath = join(dir, 'prometheus.yml');
      configText = JSON.stringify(config(port), null, 2);
      writeFileSync(configPath, configText);
      return [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
        ...(opts.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
        ...(opts.extraArgs ?? []),
      ];
    },
    '/-/ready',
    60_000,
  );
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${peer.url}${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  const query = async (expr: string, time?: number): Promise<PromSeries[]> => {
    const params: Record<string, string> = { query: expr };
    if (time !== undefined) params.time = (time / 1000).toFixed(3);
    const data = await api<{
      resultType: string;
      result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
    }>('/api/v1/query', params);
    return data.result.map((r) => ({
      metric: r.metric,
      samples: (r.values ?? (r.value ? [r.value] : [])).map(([t, v]) => [Math.round(t * 1000), parsePromValue(v)] as [number, number]),
    }));
  };
  return { ...peer, api, query, configText };
}

/** Starts Debian's VictoriaMetrics single-node on a free port with a temp data dir (it accepts remote_write on `/api/v1/write`). */
export function startVictoriaMetrics(extraArgs: string[] = []): Promise<PeerProcess> {
  return launch(
    'victoria-metrics',
    VICTORIA_METRICS_BIN,
    (port, dir) => [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, 'data')}`, '-retentionPeriod=100y', ...extraArgs],
    '/health',
  );
}
