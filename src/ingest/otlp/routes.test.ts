import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregationTemporalityPreference, OTLPMetricExporter as OTLPJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { LabelMatcher } from '../../core/index.js';
import { buildTestApp, type TestIngestApp } from '../remote-write/testing/app.js';
import { encodeVarint } from '../varint.js';
import { registerOtlpRoutes } from './routes.js';

let t: TestIngestApp | undefined;
const providers: MeterProvider[] = [];
afterEach(async () => {
  for (const p of providers.splice(0)) await p.shutdown().catch(() => {});
  await t?.app.close();
  t = undefined;
});

async function listen(app: TestIngestApp): Promise<string> {
  const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
  return `${address}/v1/metrics`;
}

function sdk(url: string, opts: { json?: boolean; delta?: boolean } = {}) {
  const exporterOpts = {
    url,
    ...(opts.delta ? { temporalityPreference: AggregationTemporalityPreference.DELTA } : {}),
  };
  const exporter = opts.json ? new OTLPJsonExporter(exporterOpts) : new OTLPMetricExporter(exporterOpts);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.namespace': 'shop',
      'service.instance.id': 'pod-7',
      'host.name': 'web-1',
      'deployment.environment': 'prod',
    }),
    readers: [reader],
  });
  providers.push(provider);
  return { meter: provider.getMeter('vigil-test', '1.2.3'), flush: () => reader.forceFlush(), shutdown: () => provider.shutdown() };
}

const byName = (name: string): LabelMatcher[] => [{ name: '__name__', op: '=', value: name }];

describe('OTLP from the OpenTelemetry JS SDK', () => {
  it.each([
    ['protobuf', false],
    ['JSON', true],
  ])('stores gauges, cumulative sums and histograms sent as %s', async (_name, json) => {
    t = await buildTestApp(registerOtlpRoutes);
    const { meter, flush } = sdk(await listen(t), { json });
    const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
    const active = meter.createUpDownCounter('http.server.active_requests');
    const latency = meter.createHistogram('http.server.duration', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100, 1000] } });
    const temp = meter.createGauge('room.temperature', { unit: 'Cel' });
    const util = meter.createGauge('cpu.utilization', { unit: '1' });
    requests.add(5, { route: '/pay', 'http.method': 'POST' });
    requests.add(3, { route: '/pay', 'http.method': 'POST' });
    active.add(4);
    active.add(-1);
    for (const v of [5, 50, 60, 5000]) latency.record(v, { route: '/pay' });
    temp.record(21.5, { room: 'a' });
    util.record(0.25);
    await flush();

    const common = {
      job: 'shop/checkout',
      instance: 'pod-7',
      host: 'web-1',
      host_name: 'web-1',
      deployment_environment: 'prod',
      otel_scope_name: 'vigil-test',
      otel_scope_version: '1.2.3',
    };
    const store = t.store;
    const one = (name: string, extra: LabelMatcher[] = []) => {
      const s = store.select('default', [...byName(name), ...extra]);
      expect(s, name).toHaveLength(1);
      return s[0] as (typeof s)[number];
    };
    const req = one('http_server_requests_total');
    expect(req.labels).toEqual({ __name__: 'http_server_requests_total', ...common, route: '/pay', http_method: 'POST' });
    expect(req.values).toEqual([8]);
    expect(Math.abs((req.timestamps[0] as number) - Date.now())).toBeLessThan(60_000);
    expect(one('http_server_active_requests').values).toEqual([3]);
    expect(one('room_temperature_celsius').values).toEqual([21.5]);
    expect(one('cpu_utilization_ratio').values).toEqual([0.25]);
    const buckets = store
      .select('default', byName('http_server_duration_milliseconds_bucket'))
      .map((s) => [s.labels.le, s.values[0]])
      .sort(
        (a, b) => Number(a[0] === '+Inf' ? Number.POSITIVE_INFINITY : a[0]) - Number(b[0] === '+Inf' ? Number.POSITIVE_INFINITY : b[0]),
      );
    expect(buckets).toEqual([
      ['10', 1],
      ['100', 3],
      ['1000', 3],
      ['+Inf', 4],
    ]);
    expect(one('http_server_duration_milliseconds_count').values).toEqual([4]);
    expect(one('http_server_duration_milliseconds_sum').values).toEqual([5115]);
  });

  it('turns delta sums and histograms into cumulative series', async () => {
    t = await buildTestApp(registerOtlpRoutes);
    const { meter, flush } = sdk(await listen(t), { delta: true });
    const c = meter.createCounter('jobs.processed');
    const h = meter.createHistogram('job.size', { unit: 'By', advice: { explicitBucketBoundaries: [100] } });
    c.add(5);
    h.record(50);
    await flush();
    await new Promise((r) => setTimeout(r, 5));
    c.add(3);
    h.record(500);
    await flush();
    expect(t.store.select('default', byName('jobs_processed_total'))[0]?.values).toEqual([5, 8]);
    expect(t.store.select('default', byName('job_size_bytes_count'))[0]?.values).toEqual([1, 2]);
    const le100 = t.store.select('default', [...byName('job_size_bytes_bucket'), { name: 'le', op: '=', value: '100' }]);
    expect(le100[0]?.values).toEqual([1, 1]);
  });
});

describe('POST /v1/metrics', () => {
  const point = (v: unknown) => ({
    timeUnixNano: '1700000000000000000',
    asDouble: v,
    attributes: [{ key: 'k', value: { intValue: '7' } }],
  });
  const doc = (metrics: unknown[]) => ({
    resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] }, scopeMetrics: [{ metrics }] }],
  });

  it('answers partial success naming refused points (JSON), including summaries and exponential histograms', async () => {
    t = await buildTestApp(registerOtlpRoutes);
    const body = doc([
      { name: 'queue.depth', gauge: { dataPoints: [point(3), { timeUnixNano: '1700000000000000000' }] } },
      {
        name: 'rpc.latency',
        unit: 's',
        summary: {
          dataPoints: [{ timeUnixNano: '1700000000000000000', count: '10', sum: 2.5, quantileValues: [{ quantile: 0.5, value: 0.2 }] }],
        },
      },
      { name: 'exp', exponentialHistogram: { dataPoints: [{}], aggregationTemporality: 2 } },
    ]);
    const res = await t.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json().partialSuccess.rejectedDataPoints).toBe('2');
    expect(res.json().partialSuccess.errorMessage).toContain('exponential histograms are not supported');
    expect(res.headers['x-vigil-samples-accepted']).toBe('4');
    expect(t.store.select('default', byName('queue_depth'))[0]).toEqual({
      labels: { __name__: 'queue_depth', job: 'api', k: '7' },
      timestamps: [1700000000000],
      values: [3],
    });
    expect(t.store.select('default', [...byName('rpc_latency_seconds'), { name: 'quantile', op: '=', value: '0.5' }])[0]?.values).toEqual([
      0.2,
    ]);
    expect(t.store.select('default', byName('rpc_latency_seconds_count'))[0]?.values).toEqual([10]);
  });

  it('answers 400 with a Status for bad bodies and 415 for other content types, storing nothing', async () => {
    t = await buildTestApp(registerOtlpRoutes);
    const inj = (payload: string | Buffer, ctype: string) =>
      t?.app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': ctype }, payload });
    const badJson = await inj('{', 'application/json');
    expect(badJson?.statusCode).toBe(400);
    expect(badJson?.json().code).toBe(3);
    const badShape = await inj(JSON.stringify({ resourceMetrics: [{ scopeMetrics: 5 }] }), 'application/json');
    expect(badShape?.statusCode).toBe(400);
    expect(badShape?.json().message).toContain('$.resourceMetrics[0].scopeMetrics');
    const badProto = await inj(Buffer.from([0x0a, 0x05, 0x12, 0x09]), 'application/x-protobuf');
    expect(badProto?.statusCode).toBe(400);
    expect(badProto?.headers['content-type']).toContain('application/x-protobuf');
    expect((await inj('x', 'text/plain'))?.statusCode).toBe(415);
    // Attribute values nested thousands deep: refused, not a stack overflow.
    let nested = '{"stringValue":"x"}';
    for (let i = 0; i < 2000; i++) nested = `{"kvlistValue":{"values":[{"key":"k","value":${nested}}]}}`;
    const deepJson = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"a","value":${nested}}]}}]}`;
    expect((await inj(deepJson, 'application/json'))?.statusCode).toBe(400);
    let deep = Buffer.from([0x0a, 0x01, 0x78]);
    for (let i = 0; i < 2000; i++) {
      const kv = Buffer.concat([Buffer.from([0x12]), encodeVarint(deep.length), deep]);
      const list = Buffer.concat([Buffer.from([0x0a]), encodeVarint(kv.length), kv]);
      deep = Buffer.concat([Buffer.from([0x32]), encodeVarint(list.length), list]);
    }
    expect((await inj(wrapResourceAttribute(deep), 'application/x-protobuf'))?.statusCode).toBe(400);
    expect(t.store.appendCalls).toBe(0);
  });
});

describe('OTLP fuzz', () => {
  it('random and mutated bodies get 2xx or 4xx, never 5xx, and never change what was stored', async () => {
    t = await buildTestApp(registerOtlpRoutes, { maxSamplesPerRequest: 1000 });
    const app = t;
    const seedDoc = {
      resourceMetrics: [
        { scopeMetrics: [{ metrics: [{ name: 'seed', gauge: { dataPoints: [{ timeUnixNano: '1000000000', asDouble: 1 }] } }] }] },
      ],
    };
    const seeded = await app.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json' },
      payload: seedDoc,
    });
    expect(seeded.statusCode).toBe(200);
    const seedBefore = JSON.stringify(app.store.select('default', byName('seed')));
    // A real SDK protobuf body to mutate, captured by a plain HTTP server standing in for the receiver.
    const chunks: Buffer[] = [];
    const capture = createServer((req, res) => {
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
    const { meter, shutdown } = sdk(`http://127.0.0.1:${(capture.address() as AddressInfo).port}/v1/metrics`);
    meter.createCounter('fuzz.requests').add(2, { a: 'b' });
    meter.createHistogram('fuzz.latency', { unit: 'ms' }).record(12);
    await shutdown();
    capture.closeAllConnections();
    await new Promise((r) => capture.close(r));
    const valid = Buffer.concat(chunks);
    expect(valid.length).toBeGreaterThan(50);
    const validJson = JSON.stringify(seedDoc).replace('seed', 'other');
    const body = fc.oneof(
      fc.record({ b: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), json: fc.boolean() }),
      fc.record({
        b: fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
          const m = Buffer.from(valid);
          for (const [i, v] of edits) m[i] = v;
          return m;
        }),
        json: fc.constant(false),
      }),
      fc.record({
        b: fc
          .array(fc.tuple(fc.nat(validJson.length - 1), fc.constantFrom(...'{}[]":,0a-. ')), { minLength: 1, maxLength: 4 })
          .map((edits) => {
            const chars = [...validJson];
            for (const [i, c] of edits) chars[i] = c;
            return Buffer.from(chars.join(''));
          }),
        json: fc.constant(true),
      }),
      fc.record({ b: fc.json().map((j) => Buffer.from(j)), json: fc.constant(true) }),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ b, json }) => {
        const before = app.store.sampleCount;
        const res = await app.app.inject({
          method: 'POST',
          url: '/v1/metrics',
          headers: { 'content-type': json ? 'application/json' : 'application/x-protobuf' },
          payload: b,
        });
        expect([200, 400, 413]).toContain(res.statusCode);
        expect(app.store.sampleCount).toBeLessThanOrEqual(before + Number(res.headers['x-vigil-samples-accepted'] ?? 0));
        expect(JSON.stringify(app.store.select('default', byName('seed')))).toBe(seedBefore);
      }),
      { numRuns: 300 },
    );
  });
});

/** ExportMetricsServiceRequest { resource_metrics { resource { attributes { key: "a", value: <anyValue> } } } }. */
function wrapResourceAttribute(anyValue: Buffer): Buffer {
  const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), encodeVarint(body.length), body]);
  const kv = Buffer.concat([field(0x0a, Buffer.from('a')), field(0x12, anyValue)]);
  return field(0x0a, field(0x0a, field(0x0a, kv)));
}
