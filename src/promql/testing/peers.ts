/**
 * TEST AND BENCHMARK HARNESS: starts the real `prometheus` and `prometheus-node-exporter` binaries (Debian
 * packages) on loopback with random free ports and temporary directories, for the PromQL compatibility test
 * and `vigil bench query`. Every process it starts is stopped by `stop()`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/index.js';

/** A started peer process and how to reach it. */
export interface Peer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Path of an installed binary, or null when it is not installed. */
export function which(binary: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : null;
}

async function waitFor(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}: ${stderr().slice(-2000)}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready in ${timeoutMs} ms: ${stderr().slice(-2000)}`);
}

function startProcess(binary: string, args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 100_000) err = err.slice(-50_000);
  });
  return { child, stderr: () => err };
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };
}

/** Starts `prometheus-node-exporter` on a free loopback port. */
export async function startNodeExporter(): Promise<Peer> {
  const bin = which('prometheus-node-exporter') ?? which('node_exporter');
  if (bin === null) throw new Error('prometheus-node-exporter is not installed');
  const port = await freePort();
  const { child, stderr } = startProcess(bin, [`--web.listen-address=127.0.0.1:${port}`]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/metrics`, child, stderr, 15_000);
  return { url, port, stop: stopper(child, () => {}) };
}

/** Options of a Prometheus started for a test or benchmark. */
export interface PrometheusOptions {
  /** Targets scraped under the job name. */
  scrape?: { job: string; target: string }[];
  /** Also scrape Prometheus itself as job "prometheus" (default true). */
  scrapeSelf?: boolean;
  scrapeIntervalMs?: number;
  /** remote_write destination (Vigil's `/api/v1/write`). */
  remoteWriteUrl?: string;
  /** Accept remote_write on `/api/v1/write` (for loading benchmark data). */
  enableRemoteWriteReceiver?: boolean;
}

/** Starts the Debian `prometheus` on a free loopback port with a fresh data directory. */
export async function startPrometheus(opts: PrometheusOptions = {}): Promise<Peer> {
  const bin = which('prometheus');
  if (bin === null) throw new Error('prometheus is not installed');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prom-'));
  const interval = `${opts.scrapeIntervalMs ?? 1000}ms`;
  const jobs = [...(opts.scrapeSelf === false ? [] : [{ job: 'prometheus', target: `127.0.0.1:${port}` }]), ...(opts.scrape ?? [])];
  const lines = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    jobs.length === 0 ? 'scrape_configs: []' : 'scrape_configs:',
    ...jobs.flatMap((j) => [
      `  - job_name: ${JSON.stringify(j.job)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(j.target)}]`,
    ]),
  ];
  if (opts.remoteWriteUrl !== undefined) {
    lines.push(
      'remote_write:',
      `  - url: ${JSON.stringify(opts.remoteWriteUrl)}`,
      '    queue_config: { batch_send_deadline: 500ms, max_samples_per_send: 5000, min_backoff: 50ms, max_backoff: 500ms }',
      '    metadata_config: { send: false }',
    );
  }
  writeFileSync(join(dir, 'prometheus.yml'), `${lines.join('\n')}\n`);
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  if (opts.enableRemoteWriteReceiver) args.push('--web.enable-remote-write-receiver');
  const { child, stderr } = startProcess(bin, args);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/-/ready`, child, stderr, 30_000);
  return { url, port, stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })) };
}
