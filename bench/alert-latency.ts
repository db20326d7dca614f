import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertManager, alertingConfigSchema } from '../src/alerting/index.js';
import { seriesKey, silentLogger } from '../src/core/index.js';
import type { Querier } from '../src/tsdb/index.js';
import type { BenchOptions, BenchResult } from './types.js';

/** The run configures no threshold or absence rule, so nothing reads samples; an empty store stands in. */
const emptyStore: Querier = {
  series: async () => [],
  labelNames: async () => [],
  labelValues: async () => [],
  select: async () => [],
  selectStep: async () => [],
  latest: async () => [],
};

/** One sentence for `vigil bench --help`. */
export const description =
  'alerting latency: from an anomaly event reaching the alert manager to a signed webhook arriving at a loopback receiver (group wait 0)';

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/**
 * Feeds anomalies one by one (each on its own host, so each opens an incident and produces one notification)
 * into a real AlertManager with its SQLite outbox, and times each until the webhook receiver has the request.
 * What it covers: rule evaluation, incident grouping, routing, the durable (fsynced) outbox write, the delivery
 * loop, HMAC signing and the HTTP POST over loopback. What it does not cover: ingest decoding and detection, which
 * come before the anomaly event.
 */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const n = opts.quick ? 50 : 300;
  const gapMs = 20;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-alert-'));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  // The receiver stands in for a webhook endpoint: it takes the arrival time once the whole body is in.
  const rx = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const host = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { hosts: string[] }).hosts[0] ?? '';
      const t = sentAt.get(host);
      if (t !== undefined) latencies.push(at - t);
      received++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => rx.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
  const manager = new AlertManager({
    dataDir: dir,
    logger: silentLogger(),
    publicUrl: 'http://127.0.0.1:9470',
    querier: emptyStore,
    config: alertingConfigSchema.parse({
      groupWait: 0,
      defaultRules: false,
      rules: [{ name: 'high-severity-anomaly', type: 'anomaly' }],
      channels: [{ id: 'hook', type: 'webhook', url: `${url}/hook`, secret: 'bench-secret-123' }],
      incidents: { hostWindow: 0, coStartWindow: 0 },
    }),
  });
  manager.start();
  try {
    opts.log(`alert-latency: ${n} anomalies, ${gapMs} ms apart, group wait 0, webhook on ${url}`);
    for (let i = 0; i < n; i++) {
      const host = `bench-${i}`;
      const labels = { __name__: 'node_load1', host };
      sentAt.set(host, performance.now());
      manager.onAnomaly({
        tenant: 'default',
        series: seriesKey(labels),
        labels,
        t: Date.now(),
        value: 12,
        score: 0.99,
        severity: 'critical',
        expected: [0.5, 2],
        detectors: ['spike'],
        reason: 'load 12 is far above the usual 0.5–2',
      });
      await new Promise((r) => setTimeout(r, gapMs));
    }
    const deadline = Date.now() + 30_000;
    while (received < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (received < n) throw new Error(`only ${received} of ${n} notifications arrived within 30 s`);
  } finally {
    await manager.stop();
    rx.closeAllConnections();
    await new Promise<void>((resolve) => rx.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  const result = {
    median_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted.at(-1) ?? Number.NaN),
    notifications: sorted.length,
    covers: 'anomaly event -> rule -> incident -> routing -> outbox (SQLite, fsync) -> delivery -> signed webhook POST on loopback',
    excludes: 'ingest decoding and detection before the anomaly event',
  };
  opts.log(`alert-latency: median ${result.median_ms} ms, p99 ${result.p99_ms} ms over ${sorted.length} notifications`);
  return result;
}
