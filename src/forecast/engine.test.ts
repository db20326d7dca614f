import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type Labels, silentLogger } from '../core/index.js';
import { ForecastEngine, type ForecastResult } from './engine.js';
import { registerForecastRoutes } from './routes.js';
import { MemoryQuerier } from './testing/memory-querier.js';
import { seededRandom } from './testing/scenarios.js';
import { forecastSeriesProvider } from './virtual-series.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const GB = 1e9;

function fill(q: MemoryQuerier, tenant: string, labels: Labels, f: (t: number) => number): void {
  const ts: number[] = [];
  for (let t = NOW - 3 * DAY; t <= NOW; t += MIN) ts.push(t);
  q.add(tenant, labels, ts, ts.map(f));
}

function build(): { q: MemoryQuerier; engine: ForecastEngine } {
  const q = new MemoryQuerier();
  const r = seededRandom(1);
  const jitter = () => (r() - 0.5) * 0.02 * GB;
  const fs = (host: string, mountpoint: string) => ({ host, mountpoint, device: '/dev/sda1', fstype: 'ext4' });
  // db-3 /var: 100 GB, fills 2 GB/h from 20 GB three days ago → 164 GB?? no: capped by design below
  fill(q, 'acme', { __name__: 'node_filesystem_size_bytes', ...fs('db-3', '/var') }, () => 200 * GB);
  fill(
    q,
    'acme',
    { __name__: 'node_filesystem_avail_bytes', ...fs('db-3', '/var') },
    (t) => 200 * GB - (40 * GB + (2 * GB * (t - (NOW - 3 * DAY))) / HOUR) + jitter(),
  );
  // web-1 /: flat at 30 of 100 GB
  fill(q, 'acme', { __name__: 'node_filesystem_size_bytes', ...fs('web-1', '/') }, () => 100 * GB);
  fill(q, 'acme', { __name__: 'node_filesystem_avail_bytes', ...fs('web-1', '/') }, () => 70 * GB + jitter());
  // web-1 memory: 16 GB total, 6 GB used with a daily cycle
  fill(q, 'acme', { __name__: 'node_memory_MemTotal_bytes', host: 'web-1' }, () => 16 * GB);
  fill(
    q,
    'acme',
    { __name__: 'node_memory_MemAvailable_bytes', host: 'web-1' },
    (t) => 10 * GB + GB * Math.sin((2 * Math.PI * t) / DAY) + jitter(),
  );
  // a queue with a configured limit, growing 100 items an hour from 1000 toward 10,000
  fill(
    q,
    'acme',
    { __name__: 'queue_depth', host: 'mq-1', job: 'ingest' },
    (t) => 1000 + (100 * (t - (NOW - 3 * DAY))) / HOUR + (r() - 0.5) * 10,
  );
  // another tenant's disk must never show up for acme
  fill(q, 'other', { __name__: 'node_filesystem_size_bytes', ...fs('secret', '/data') }, () => 10 * GB);
  fill(q, 'other', { __name__: 'node_filesystem_avail_bytes', ...fs('secret', '/data') }, () => 1 * GB);
  const engine = new ForecastEngine({
    querier: q,
    logger: silentLogger(),
    clock: new FakeClock(NOW),
    historyMs: 3 * DAY,
    maxPoints: 432,
    horizonMs: DAY,
    limits: [{ selector: 'queue_depth{job="ingest"}', limit: 10_000, resource: 'queue' }],
  });
  return { q, engine };
}

describe('ForecastEngine', () => {
  const { engine } = build();
  const seen: ForecastResult[] = [];
  let app: FastifyInstance;

  beforeAll(async () => {
    engine.onForecast((_t, r) => seen.push(r));
    await engine.runOnce('acme');
    await engine.runOnce('other');
    app = Fastify();
    app.addHook('onRequest', async (req) => {
      req.tenant = (req.headers['x-tenant'] as string | undefined) ?? 'acme';
    });
    registerForecastRoutes(app, { engine });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await engine.stop();
  });

  it('forecasts disk, memory and configured series in a worker and tells listeners', () => {
    const names = engine.forecasts('acme').map((r) => `${r.resource}:${r.host}`);
    expect(names.sort()).toEqual(['disk:db-3', 'disk:web-1', 'memory:web-1', 'queue:mq-1']);
    expect(seen.filter((r) => r.tenant === 'acme')).toHaveLength(4);
    const mem = engine.forecasts('acme', 'node_memory_used_bytes{host="web-1"}')[0] as ForecastResult;
    expect(mem.point).toHaveLength(144);
    expect(mem.timestamps[0]).toBe(mem.lastT + mem.stepMs);
    expect(mem.periods.map((p) => p.steps)).toContain(144);
    expect(mem.lastValue).toBeGreaterThan(4 * GB);
    expect(mem.lastValue).toBeLessThan(8 * GB);
  });

  it('ranks capacity by time to exhaustion with bounds and a readable summary', () => {
    const rows = engine.capacity('acme');
    expect(rows.map((r) => `${r.resource}:${r.host}`)).toEqual(['disk:db-3', 'queue:mq-1', 'memory:web-1', 'disk:web-1']);
    const db = rows[0]!;
    // used 40 GB + 2 GB/h × 72 h = 184 GB of 200 → 8 h left
    expect(db.status).toBe('filling');
    expect((db.etaMs as number) / HOUR).toBeGreaterThan(8 * 0.85);
    expect((db.etaMs as number) / HOUR).toBeLessThan(8 * 1.15);
    expect(db.etaLowMs as number).toBeLessThanOrEqual(db.etaMs as number);
    expect(db.summary).toMatch(/^disk \/var on db-3 fills in \d+h( \d+m)? \(.+ – .+\)$/);
    const queue = rows[1]!;
    // 1000 + 100/h × 72 h = 8200 of 10,000 → 18 h
    expect((queue.etaMs as number) / HOUR).toBeGreaterThan(18 * 0.85);
    expect((queue.etaMs as number) / HOUR).toBeLessThan(18 * 1.15);
    expect(rows[3]!.etaMs).toBeNull();
    expect(rows[3]!.summary).toContain('no ETA');
  });

  it('keeps tenants apart', () => {
    expect(engine.capacity('other').map((r) => r.host)).toEqual(['secret']);
    expect(engine.forecasts('nobody')).toEqual([]);
  });

  it('serves /api/v1/capacity and /api/v1/forecasts scoped to the request tenant', async () => {
    const cap = await app.inject({ url: '/api/v1/capacity' });
    expect(cap.statusCode).toBe(200);
    expect(cap.json().capacity).toHaveLength(4);
    const other = await app.inject({ url: '/api/v1/capacity', headers: { 'x-tenant': 'other' } });
    expect(other.json().capacity.map((r: { host: string }) => r.host)).toEqual(['secret']);
    const fc = await app.inject({ url: `/api/v1/forecasts?series=${encodeURIComponent('node_filesystem_used_bytes{host="db-3"}')}` });
    const body = fc.json().forecasts as ForecastResult[];
    expect(body).toHaveLength(1);
    expect(body[0]!.labels.mountpoint).toBe('/var');
    expect(body[0]!.upper.length).toBe(body[0]!.point.length);
    const bad = await app.inject({ url: '/api/v1/forecasts?series=%7Bbroken' });
    expect(bad.statusCode).toBe(400);
  });

  it('exposes forecasts and ETAs as query-API series', async () => {
    const p = forecastSeriesProvider(engine);
    const tte = await p.select(
      'acme',
      [{ name: '__name__', op: '=', value: 'vigil_time_to_exhaustion_seconds' }],
      0,
      Number.MAX_SAFE_INTEGER,
    );
    expect(tte.map((s) => s.labels.host).sort()).toEqual(['db-3', 'mq-1']);
    const upper = await p.select(
      'acme',
      [
        { name: '__name__', op: '=', value: 'vigil_forecast' },
        { name: 'bound', op: '=', value: 'upper' },
        { name: 'host', op: '=', value: 'db-3' },
      ],
      NOW,
      NOW + 6 * HOUR,
    );
    expect(upper).toHaveLength(1);
    expect(upper[0]!.labels.forecast_of).toBe('node_filesystem_used_bytes');
    expect(upper[0]!.timestamps.every((t) => t > NOW && t <= NOW + 6 * HOUR)).toBe(true);
    expect(await p.series('other', [{ name: '__name__', op: '=', value: 'vigil_forecast' }])).toHaveLength(3);
  });
});

describe('ForecastEngine loop', () => {
  it('runs at start() for every tenant and stops cleanly', async () => {
    const { q } = build();
    const engine = new ForecastEngine({
      querier: q,
      logger: silentLogger(),
      clock: new FakeClock(NOW),
      historyMs: DAY,
      maxPoints: 300,
      horizonMs: 6 * HOUR,
      tenants: () => ['acme', 'other'],
    });
    await engine.start();
    const deadline = Date.now() + 30_000;
    while (engine.capacity('other').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(engine.capacity('acme').length).toBe(3);
    expect(engine.capacity('other').length).toBe(1);
    await engine.stop();
  });
});
