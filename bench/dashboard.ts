import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningServer, startServer } from '../src/api/index.js';
import { configSchema, packageRoot, type SeriesSamples } from '../src/core/index.js';
import { forecastConfigSchema } from '../src/forecast/index.js';
import type { BenchOptions, BenchResult } from './types.js';

/** One sentence shown by `vigil bench --help`. */
export const description =
  'dashboard in headless Chromium against a real server: fleet page with 500 hosts until interactive, host page with 12 charts of 24 h at 10 s until drawn, JS bundle size gzipped';

/** Credentials every harness server is started with. */
export const HARNESS_ADMIN = { username: 'admin', password: 'dashboard-test-password' };
/** Agent key every harness server is pre-seeded with. */
export const HARNESS_AGENT_KEY = 'vgl_dashboard_harness_agent_key_0001';

/** Options of the synthetic fleet. */
export interface FleetOptions {
  /** Host names are `${prefix}-${i}`. */
  prefix?: string;
  hosts: number;
  /** First and last sample times (ms) and spacing. */
  start: number;
  end: number;
  stepMs: number;
  /** Only these host indexes (default all). */
  only?: number[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const ROLES = ['web', 'db', 'cache', 'worker'] as const;
const MODES = [
  ['idle', 0],
  ['user', 0.7],
  ['system', 0.22],
  ['iowait', 0.08],
] as const;

/**
 * node_exporter-like series of one synthetic host over [start, end]: CPU counters (2 CPUs × 4 modes) with a
 * daily cycle, memory, load, two filesystems (one filling up), disk and network counters, processes and a
 * probe — 24 series, each labelled with `host`, `host_id`, `env`, `role`, `dc`.
 */
export function syntheticHost(i: number, o: FleetOptions): SeriesSamples[] {
  const name = `${o.prefix ?? 'host'}-${i}`;
  const r = rng(i * 7919 + 17);
  const base = {
    host: name,
    host_id: `hid-${i.toString(16).padStart(6, '0')}`,
    env: i % 5 === 0 ? 'staging' : 'prod',
    role: ROLES[i % ROLES.length]!,
    dc: i % 2 ? 'fra' : 'ams',
  };
  const n = Math.floor((o.end - o.start) / o.stepMs) + 1;
  const ts = Array.from({ length: n }, (_, k) => o.start + k * o.stepMs);
  const level = 0.15 + 0.5 * r();
  const memTotal = 2 ** 30 * [8, 16, 32, 64][i % 4]!;
  const memLevel = 0.3 + 0.5 * r();
  const day = 86_400_000;
  const busyAt = (t: number, noise: number) =>
    Math.min(0.98, Math.max(0.01, level * (1 + 0.4 * Math.sin((2 * Math.PI * t) / day + i)) + noise));
  const out: SeriesSamples[] = [];
  const s = (labels: Record<string, string>, values: number[]) => out.push({ labels: { ...labels, ...base }, timestamps: ts, values });
  const busy = ts.map((t) => busyAt(t, 0.03 * (r() - 0.5)));
  for (let c = 0; c < 2; c++) {
    for (const [mode, share] of MODES) {
      let acc = 1e5 + i * 100 + c;
      s(
        { __name__: 'node_cpu_seconds_total', cpu: String(c), mode },
        busy.map((b) => {
          acc += (o.stepMs / 1000) * (mode === 'idle' ? 1 - b : b * share);
          return Math.round(acc * 100) / 100;
        }),
      );
    }
  }
  s(
    { __name__: 'node_memory_MemAvailable_bytes' },
    ts.map((t) => Math.round(memTotal * (1 - memLevel - 0.05 * Math.sin((2 * Math.PI * t) / day) - 0.01 * r()))),
  );
  s(
    { __name__: 'node_memory_MemTotal_bytes' },
    ts.map(() => memTotal),
  );
  for (const [nm, k] of [
    ['node_load1', 1],
    ['node_load5', 0.9],
    ['node_load15', 0.8],
  ] as const) {
    s(
      { __name__: nm },
      busy.map((b) => Math.round(b * 4 * k * 100) / 100),
    );
  }
  const fsSize = 2 ** 30 * 200;
  const fill0 = 0.3 + 0.5 * r();
  const fillRate = (0.02 + 0.08 * r()) / day;
  s(
    { __name__: 'node_filesystem_size_bytes', mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' },
    ts.map(() => fsSize),
  );
  s(
    { __name__: 'node_filesystem_avail_bytes', mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' },
    ts.map(() => Math.round(fsSize * (1 - fill0 * 0.5 - 0.002 * r()))),
  );
  s(
    { __name__: 'node_filesystem_size_bytes', mountpoint: '/data', device: '/dev/sdb1', fstype: 'xfs' },
    ts.map(() => fsSize),
  );
  s(
    { __name__: 'node_filesystem_avail_bytes', mountpoint: '/data', device: '/dev/sdb1', fstype: 'xfs' },
    ts.map((t) => Math.round(fsSize * Math.max(0.01, 1 - fill0 - fillRate * (t - o.start)))),
  );
  for (const [nm, rate] of [
    ['node_disk_read_bytes_total', 2e6],
    ['node_disk_written_bytes_total', 5e6],
  ] as const) {
    let acc = 1e9;
    s(
      { __name__: nm, device: 'sda' },
      busy.map((b) => (acc += rate * b * (o.stepMs / 1000) * (0.5 + r()))),
    );
  }
  for (const [nm, rate] of [
    ['node_network_receive_bytes_total', 8e6],
    ['node_network_transmit_bytes_total', 3e6],
  ] as const) {
    let acc = 1e10;
    s(
      { __name__: nm, device: 'eth0' },
      busy.map((b) => (acc += rate * b * (o.stepMs / 1000) * (0.5 + r()))),
    );
  }
  s(
    { __name__: 'node_procs_running' },
    busy.map((b) => Math.max(1, Math.round(b * 8 + r() * 2))),
  );
  s(
    { __name__: 'node_procs_blocked' },
    busy.map(() => (r() < 0.05 ? 1 : 0)),
  );
  s(
    { __name__: 'vigil_probe_duration_seconds', target: 'https://example.internal/health' },
    busy.map((b) => Math.round((0.02 + 0.05 * b + 0.01 * r()) * 1e4) / 1e4),
  );
  return out;
}

/** Sends series to a server's `POST /api/v1/ingest` in requests of at most `maxSamples` samples; throws on any rejection. */
export async function ingest(url: string, key: string, series: readonly SeriesSamples[], maxSamples = 400_000): Promise<number> {
  let total = 0;
  let batch: { labels: Record<string, string>; samples: [number, number][] }[] = [];
  let n = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const res = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ series: batch }),
    });
    const body = (await res.json()) as { accepted?: number; rejected?: unknown[] };
    if (!res.ok || (body.rejected?.length ?? 0) > 0)
      throw new Error(`ingest answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    total += body.accepted ?? 0;
    batch = [];
    n = 0;
  };
  for (const s of series) {
    batch.push({ labels: s.labels, samples: s.timestamps.map((t, i) => [t, s.values[i]!]) });
    n += s.timestamps.length;
    if (n >= maxSamples) await flush();
  }
  await flush();
  return total;
}

/** Ingests a whole synthetic fleet, host by host. */
export async function ingestFleet(url: string, key: string, o: FleetOptions): Promise<number> {
  let total = 0;
  let pending: SeriesSamples[] = [];
  for (const i of o.only ?? Array.from({ length: o.hosts }, (_, k) => k)) {
    pending.push(...syntheticHost(i, o));
    if (pending.length >= 24 * 40) {
      total += await ingest(url, key, pending);
      pending = [];
    }
  }
  total += await ingest(url, key, pending);
  return total;
}

/** Builds the dashboard (`vite build web`) when `web/dist` is missing. */
export function ensureDashboardBuilt(): string {
  const root = packageRoot();
  const dist = join(root, 'web', 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    const r = spawnSync(join(root, 'node_modules', '.bin', 'vite'), ['build', 'web', '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('vite build web failed');
  }
  return dist;
}

/** Options of a harness server. */
export interface HarnessOptions {
  /** How often capacity forecasts run (default the server's 5 min: after the one at start, none during a benchmark). */
  forecastIntervalMs?: number;
}

/** A Vigil server on a random loopback port with a fresh data directory, the harness admin and agent key. */
export async function startHarnessServer(opts: HarnessOptions = {}): Promise<RunningServer & { dataDir: string }> {
  ensureDashboardBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-dash-'));
  const core = configSchema.parse({
    server: {
      host: '127.0.0.1',
      port: 0,
      data: dataDir,
      localAgent: false,
      adminPassword: HARNESS_ADMIN.password,
      agentKey: HARNESS_AGENT_KEY,
    },
    log: { level: 'silent' },
  });
  const config =
    opts.forecastIntervalMs === undefined
      ? core
      : { ...core, forecast: forecastConfigSchema.parse({ interval: opts.forecastIntervalMs / 1000 }) };
  const server = await startServer({ config });
  return {
    ...server,
    dataDir,
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Where Debian's Chromium is (NOTES.md "Browsers"). */
export function chromiumPath(): string | null {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  return null;
}

/** Headless Debian Chromium with a fresh profile, signed in to `url` as the harness admin unless `login` is false. */
export async function openBrowser(
  url: string,
  opts: { login?: boolean; theme?: 'dark' | 'light'; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  const viewport = opts.viewport ?? { width: 1440, height: 900 };
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium is not installed (apt-get install chromium)');
  const profile = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  if (opts.theme) await context.addInitScript(`localStorage.setItem('vigil-theme', '${opts.theme}')`);
  if (opts.login !== false) {
    const res = await context.request.post(`${url}/api/v1/login`, { data: HARNESS_ADMIN });
    if (!res.ok()) throw new Error(`login failed: ${res.status()} ${await res.text()}`);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Gzipped size (kB) of every JavaScript file of the dashboard build, and of those the first page load fetches. */
export function bundleSizes(dist: string): { totalKb: number; initialKb: number } {
  const assets = join(dist, 'assets');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  let total = 0;
  let initial = 0;
  for (const f of readdirSync(assets)) {
    if (!f.endsWith('.js')) continue;
    const gz = gzipSync(readFileSync(join(assets, f)), { level: 9 }).length;
    total += gz;
    if (html.includes(`/assets/${f}`)) initial += gz;
  }
  return { totalKb: Math.round(total / 102.4) / 10, initialKb: Math.round(initial / 102.4) / 10 };
}

/** The little of the page's globals the timing predicates use (this Node.js project compiles without DOM types). */
interface PageGlobals {
  document: { querySelectorAll(sel: string): { length: number }; querySelector(sel: string): unknown };
  performance: { now(): number; getEntriesByType(type: string): { name: string; requestStart?: number; responseEnd: number }[] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Milliseconds from navigation start until the fleet page lists `hosts` hosts, with its rows and scatter drawn. */
export async function timeFleetPage(page: Page, url: string, hosts: number): Promise<number> {
  await page.goto(`${url}/`, { waitUntil: 'commit' });
  const h = await page.waitForFunction(
    (n) => {
      const g = globalThis as unknown as PageGlobals;
      // Every host is in the table (only the rows near the viewport are in the DOM), rows and scatter are drawn.
      const table = g.document.querySelector(`[data-testid="hosts-table"][data-count="${n}"]`);
      const rows = g.document.querySelectorAll('[data-testid="hosts-table"] tbody tr[data-host]').length;
      const scatter = g.document.querySelector('canvas.scatter[data-drawn="1"]');
      return table !== null && rows > 0 && scatter !== null ? g.performance.now() : false;
    },
    hosts,
    { polling: 'raf', timeout: 60_000 },
  );
  return (await h.jsonValue()) as number;
}

/** When the last data read of the current page (PromQL or chart query) answered, in ms from navigation start. */
export async function lastQueryAnswered(page: Page): Promise<number> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return Math.max(
      0,
      ...g.performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/v1/query') || e.name.includes('/api/v1/charts'))
        .map((e) => e.responseEnd),
    );
  });
}

/** Each data read of the current page (PromQL or chart query): its path and how long it took from request to last byte (ms). */
export async function dataRequests(page: Page): Promise<{ path: string; ms: number }[]> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return g.performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/v1/query') || e.name.includes('/api/v1/charts'))
      .map((e) => ({ path: new URL(e.name).pathname, ms: e.responseEnd - (e.requestStart ?? 0) }));
  });
}

/** Milliseconds from navigation start until the host page has drawn `charts` charts. */
export async function timeHostPage(page: Page, url: string, host: string, range: string, charts: number): Promise<number> {
  await page.goto(`${url}/hosts/${encodeURIComponent(host)}?range=${range}`, { waitUntil: 'commit' });
  const h = await page.waitForFunction(
    (n) => {
      const g = globalThis as unknown as PageGlobals;
      return g.document.querySelectorAll('.chart-box[data-drawn]').length >= n ? g.performance.now() : false;
    },
    charts,
    { polling: 'raf', timeout: 60_000 },
  );
  return (await h.jsonValue()) as number;
}

/** Runs the dashboard benchmark: a real server fed with a synthetic fleet, measured in headless Chromium. */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const dist = ensureDashboardBuilt();
  const sizes = bundleSizes(dist);
  opts.log(`bundle: ${sizes.totalKb} kB gzipped in all, ${sizes.initialKb} kB on first load`);
  if (!chromiumPath()) {
    return {
      fleet_500_ms: null,
      host_12x24h_ms: null,
      fleet_500_ms_reason: 'chromium is not installed',
      host_12x24h_ms_reason: 'chromium is not installed',
      bundle_gzip_kb: sizes.totalKb,
    };
  }
  const hosts = opts.quick ? 100 : 500;
  const runs = opts.quick ? 2 : 5;
  const server = await startHarnessServer();
  try {
    const now = Date.now();
    const t0 = performance.now();
    // The fleet is `hosts` hosts in all: hosts − 1 with the last 10 minutes, and one with 24 hours for the host page.
    const fleetSamples = await ingestFleet(server.url, HARNESS_AGENT_KEY, {
      prefix: 'fleet',
      hosts: hosts - 1,
      start: now - 10 * 60_000,
      end: now,
      stepMs: 10_000,
    });
    const hostSamples = await ingestFleet(server.url, HARNESS_AGENT_KEY, {
      prefix: 'big',
      hosts: 1,
      start: now - 86_400_000,
      end: now,
      stepMs: 10_000,
    });
    opts.log(
      `ingested ${fleetSamples + hostSamples} samples (${hosts - 1} hosts × 10 min, 1 host × 24 h at 10 s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const browser = await openBrowser(server.url);
    try {
      const fleet: number[] = [];
      const host: number[] = [];
      const hostQueries: number[] = [];
      const requests = new Map<string, number[]>();
      // One warm-up of each page (browser and server caches), then the measured runs.
      await timeFleetPage(browser.page, server.url, hosts);
      await timeHostPage(browser.page, server.url, 'big-0', '24h', 12);
      for (let k = 0; k < runs; k++) {
        fleet.push(await timeFleetPage(browser.page, server.url, hosts));
        host.push(await timeHostPage(browser.page, server.url, 'big-0', '24h', 12));
        hostQueries.push(await lastQueryAnswered(browser.page));
        for (const r of await dataRequests(browser.page)) requests.set(r.path, [...(requests.get(r.path) ?? []), r.ms]);
      }
      opts.log(`fleet page (${hosts} hosts) runs: ${fleet.map((x) => x.toFixed(0)).join(', ')} ms`);
      opts.log(
        `host page (12+ charts, 24 h) runs: ${host.map((x) => x.toFixed(0)).join(', ')} ms; last query answered at ${hostQueries.map((x) => x.toFixed(0)).join(', ')} ms`,
      );
      opts.log(
        `host page data requests (request to last byte, median): ${[...requests]
          .map(([path, ms]) => `${path} ×${ms.length / runs} ${median(ms).toFixed(0)} ms`)
          .join(', ')}`,
      );
      opts.log(
        `load average during the run: ${loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')} (${cpus().length} cores)`,
      );
      return {
        fleet_500_ms: Math.round(median(fleet)),
        host_12x24h_ms: Math.round(median(host)),
        host_12x24h_queries_ms: Math.round(median(hostQueries)),
        load_avg_1m: Math.round(loadavg()[0]! * 10) / 10,
        bundle_gzip_kb: sizes.totalKb,
        bundle_initial_gzip_kb: sizes.initialKb,
        hosts,
        runs,
      };
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}
