import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SeriesSamples, silentLogger } from '../../core/index.js';
import type { IngestRouteDeps } from '../route-deps.js';
import { decodeWriteRequest } from './decode.js';
import { RemoteWriteDecoders } from './decoders.js';
import { encodeWriteRequest } from './encode.js';
import { registerRemoteWriteRoutes as registerInline } from './routes.js';
import { buildTestApp, type TestIngestApp } from './testing/app.js';
import { MemoryStore } from './testing/memory-store.js';

// An independent encoder (protobufjs from the published .proto) to check the hand-written decoder against.
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; }
message Label { string name = 1; string value = 2; }
`;
const WriteRequest = protobuf.parse(PROTO).root.lookupType('prometheus.WriteRequest');

function post(t: TestIngestApp, body: Buffer, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/write',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      ...headers,
    },
    payload: body,
  });
}

const series = (name: string, extra: Record<string, string>, ts: number[], vs: number[]): SeriesSamples => ({
  labels: { __name__: name, ...extra },
  timestamps: ts,
  values: vs,
});

let t: TestIngestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

describe('remote_write decoder', () => {
  it('decodes what protobufjs encodes, skipping exemplars and metadata', () => {
    const msg = WriteRequest.create({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'node_load1' },
            { name: 'instance', value: 'h:9100' },
            { name: 'zone', value: 'é ü 東京' },
          ],
          samples: [
            { value: 0.42, timestamp: 1763800000000 },
            { value: -1.5e300, timestamp: 1763800015000 },
          ],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: 1763800000000 }],
        },
        { labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 5 }] },
      ],
      metadata: [{ type: 1, metricFamilyName: 'node_load1', help: 'load', unit: '' }],
    });
    const buf = Buffer.from(WriteRequest.encode(msg).finish());
    const d = decodeWriteRequest(buf, 1000);
    expect(d.samples).toBe(3);
    expect(d.series).toEqual([
      series('node_load1', { instance: 'h:9100', zone: 'é ü 東京' }, [1763800000000, 1763800015000], [0.42, -1.5e300]),
      series('up', {}, [5], [1]),
    ]);
  });

  it('round-trips its own encoder, including NaN and infinities', () => {
    const input = [series('a', { b: 'c' }, [1, 2, 3], [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])];
    const d = decodeWriteRequest(encodeWriteRequest(input), 10);
    expect(d.series).toEqual(input);
    const viaPbjs = WriteRequest.toObject(WriteRequest.decode(encodeWriteRequest(input)), { longs: Number });
    expect(viaPbjs.timeseries[0].samples.map((s: { timestamp: number }) => s.timestamp)).toEqual([1, 2, 3]);
  });

  it('decodes labels that come after samples, also when the leading labels were seen before', () => {
    const msg = Buffer.from(
      WriteRequest.encode(
        WriteRequest.create({ timeseries: [{ labels: [{ name: '__name__', value: 'late' }], samples: [{ value: 1, timestamp: 1 }] }] }),
      ).finish(),
    );
    const first = decodeWriteRequest(msg, 10);
    expect(first.series[0]?.labels).toEqual({ __name__: 'late' });
    // Same leading label run, then a sample, then one more label field appended inside the series.
    const inner = Buffer.concat([
      Buffer.from('0a100a085f5f6e616d655f5f12046c617465', 'hex'),
      Buffer.from('120b09000000000000f03f1001', 'hex'),
      Buffer.from('0a060a0178120179', 'hex'),
    ]);
    const body = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
    expect(decodeWriteRequest(body, 10).series[0]?.labels).toEqual({ __name__: 'late', x: 'y' });
    // The cached set itself was not changed by the appended label.
    expect(decodeWriteRequest(msg, 10).series[0]?.labels).toEqual({ __name__: 'late' });
  });

  it('refuses a series with a duplicate label name without failing the others', () => {
    const buf = encodeWriteRequest([series('a', {}, [1], [1]), series('b', {}, [1], [1])]);
    // Append a third series by hand whose label `x` appears twice.
    const dup = Buffer.from(
      WriteRequest.encode(
        WriteRequest.create({
          timeseries: [
            {
              labels: [
                { name: '__name__', value: 'c' },
                { name: 'x', value: '1' },
                { name: 'x', value: '2' },
              ],
              samples: [{ value: 1, timestamp: 1 }],
            },
          ],
        }),
      ).finish(),
    );
    const d = decodeWriteRequest(Buffer.concat([buf, dup]), 10);
    expect(d.series.map((s) => s.labels.__name__)).toEqual(['a', 'b']);
    expect(d.rejections).toEqual([{ reason: 'bad_labels', series: 2, sample: 0, detail: 'duplicate label name "x"' }]);
  });
});

// Every route test runs twice: bodies decoded on the main thread, and on a decode worker (every body, however small).
const MODES = ['inline', 'on a worker'] as const;
let decoders: RemoteWriteDecoders | undefined;
beforeAll(async () => {
  decoders = new RemoteWriteDecoders({ workers: 1, logger: silentLogger(), inlineBelowBytes: 0 });
  await decoders.ready();
});
afterAll(async () => {
  await decoders?.close();
});
function register(mode: (typeof MODES)[number], app: FastifyInstance, deps: IngestRouteDeps): void {
  registerInline(app, mode === 'inline' ? deps : { ...deps, ...(decoders ? { decoders } : {}) });
}

describe.each(MODES)('POST /api/v1/write, bodies decoded %s', (mode) => {
  const registerRemoteWriteRoutes = (app: FastifyInstance, deps: IngestRouteDeps) => register(mode, app, deps);

  it('stores samples and answers 204', async () => {
    t = await buildTestApp(registerRemoteWriteRoutes);
    const input = [series('node_load1', { instance: 'a' }, [1000, 2000], [0.5, 0.7]), series('up', { instance: 'a' }, [1000], [1])];
    const decodedBefore = decoders?.workerDecodes ?? 0;
    const res = await post(t, compressSync(encodeWriteRequest(input)));
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-vigil-samples-accepted']).toBe('3');
    expect(decoders?.workerDecodes).toBe(decodedBefore + (mode === 'inline' ? 0 : 1));
    expect(t.store.select('default', [{ name: '__name__', op: '=', value: 'node_load1' }])).toEqual([
      { labels: { __name__: 'node_load1', instance: 'a' }, timestamps: [1000, 2000], values: [0.5, 0.7] },
    ]);
  });

  it('stores the good samples and answers 400 with reasons when some are refused', async () => {
    t = await buildTestApp(registerRemoteWriteRoutes);
    await post(t, compressSync(encodeWriteRequest([series('m', {}, [5000], [1])])));
    const res = await post(
      t,
      compressSync(
        encodeWriteRequest([series('m', {}, [4000, 6000], [1, 2]), series('bad-name', {}, [1], [1]), series('ok', {}, [1], [3])]),
      ),
    );
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejectedCount).toBe(2);
    expect(body.rejected).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ series: 0, sample: 0, reason: 'out_of_order' }),
        expect.objectContaining({ series: 1, sample: 0, reason: 'bad_labels' }),
      ]),
    );
    expect(t.store.select('default', [{ name: '__name__', op: '=', value: 'm' }])[0]?.timestamps).toEqual([5000, 6000]);
  });

  it("checks label sets against the pipeline's limits while decoding and stores them in canonical form", async () => {
    t = await buildTestApp(registerRemoteWriteRoutes, { pipeline: { limits: { maxLabels: 4, maxValueLength: 10 } } });
    const body = () =>
      compressSync(
        encodeWriteRequest([
          // Unsorted, with an empty value (dropped): stored as { __name__, a, b }.
          { labels: { __name__: 'm', b: '2', empty: '', a: '1' }, timestamps: [1000], values: [1] },
          series('too_many', { a: '1', b: '2', c: '3', d: '4' }, [1000], [1]),
          series('long_value', { a: '12345678901' }, [1000], [1]),
          series('bad-name', {}, [1000], [1]),
        ]),
      );
    // Twice: the second time every label set comes from the decoder's cache, checked when it was added.
    for (const round of [1, 2]) {
      const res = await post(t, body());
      expect(res.statusCode, `round ${round}`).toBe(400);
      const report = res.json();
      expect(report.accepted).toBe(1);
      expect(report.rejected.map((r: { series: number; reason: string; detail: string }) => [r.series, r.reason, r.detail])).toEqual([
        [1, 'bad_labels', 'more than 4 labels'],
        [2, 'bad_labels', 'label "a" value longer than 10'],
        [3, 'bad_labels', 'invalid metric name "bad-name"'],
      ]);
    }
    const stored = t.store.select('default');
    expect(stored.map((s) => s.labels)).toEqual([{ __name__: 'm', a: '1', b: '2' }]);
    expect(Object.keys(stored[0]?.labels ?? {})).toEqual(['__name__', 'a', 'b']);
  });

  it('answers 400 for bodies that are not snappy or not a WriteRequest, storing nothing', async () => {
    t = await buildTestApp(registerRemoteWriteRoutes);
    const notSnappy = await post(t, Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(notSnappy.statusCode).toBe(400);
    const notProto = await post(t, compressSync(Buffer.from([0x0a, 0x50, 0x01])));
    expect(notProto.statusCode).toBe(400);
    expect(notProto.json().error.code).toBe('BAD_PAYLOAD');
    const gzip = await post(t, Buffer.from('x'), { 'content-encoding': 'gzip' });
    expect(gzip.statusCode).toBe(400);
    const v2 = await post(t, compressSync(encodeWriteRequest([series('m', {}, [1], [1])])), {
      'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
    });
    expect(v2.statusCode).toBe(415);
    expect(t.store.appendCalls).toBe(0);
  });

  it('answers 413 above the body and sample limits', async () => {
    t = await buildTestApp(registerRemoteWriteRoutes, { bodyLimit: 2048, maxSamplesPerRequest: 10 });
    const many = await post(t, compressSync(encodeWriteRequest([series('m', {}, [...Array(11).keys()], Array(11).fill(1))])));
    expect(many.statusCode).toBe(413);
    expect(many.json().error.code).toBe('TOO_MANY_SAMPLES');
    // Compresses to a few bytes but declares 100 kB once decompressed.
    const bomb = await post(t, compressSync(Buffer.alloc(100_000)));
    expect(bomb.statusCode).toBe(413);
    const big = await post(t, Buffer.alloc(4096));
    expect(big.statusCode).toBe(413);
    expect(t.store.appendCalls).toBe(0);
  });

  it('answers 503 with Retry-After when the pipeline is behind (Prometheus drops a batch answered 429 by default)', async () => {
    const store = new MemoryStore();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = Object.assign(Object.create(store) as MemoryStore, {
      append: async (tenant: string, batch: readonly SeriesSamples[]) => {
        await gate;
        return store.append(tenant, batch);
      },
    });
    t = await buildTestApp(registerRemoteWriteRoutes, { pipeline: { storage: slow, maxQueuedSamples: 1000 } });
    const body = compressSync(encodeWriteRequest([series('m', {}, [...Array(800).keys()], Array(800).fill(1))]));
    const first = post(t, body);
    await new Promise((r) => setTimeout(r, 20));
    const second = await post(t, body);
    expect(second.statusCode).toBe(503);
    expect(second.json().error.code).toBe('OVERLOADED');
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).statusCode).toBe(204);
  });

  it('keeps tenants apart', async () => {
    t = await buildTestApp(registerRemoteWriteRoutes);
    await post(t, compressSync(encodeWriteRequest([series('m', {}, [1], [1])])), { 'x-tenant': 'acme' });
    expect(t.store.select('acme')).toHaveLength(1);
    expect(t.store.select('default')).toHaveLength(0);
  });
});

describe.each(MODES)('remote_write fuzz, bodies decoded %s', (mode) => {
  const registerRemoteWriteRoutes = (app: FastifyInstance, deps: IngestRouteDeps) => register(mode, app, deps);

  it('random and mutated bodies get 2xx or 4xx, never 5xx, and never change what was stored', async () => {
    t = await buildTestApp(registerRemoteWriteRoutes, { maxSamplesPerRequest: 1000 });
    const app = t;
    const seed = [series('seed', { host: 'a' }, [1000, 2000], [1, 2])];
    expect((await post(app, compressSync(encodeWriteRequest(seed)))).statusCode).toBe(204);
    const valid = encodeWriteRequest([series('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, [10, 20], [1.5, 2.5])]);
    const seedBefore = JSON.stringify(app.store.select('default', [{ name: '__name__', op: '=', value: 'seed' }]));
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 300 }).map((b) => compressSync(Buffer.from(b))),
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
        const m = Buffer.from(valid);
        for (const [i, b] of edits) m[i] = b;
        return compressSync(m);
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = app.store.sampleCount;
        const res = await post(app, b);
        expect(res.statusCode).toBeLessThan(500);
        expect([204, 400, 413]).toContain(res.statusCode);
        // Replays of identical samples count as accepted without being stored twice.
        const accepted = Number(res.headers['x-vigil-samples-accepted'] ?? 0);
        expect(app.store.sampleCount).toBeLessThanOrEqual(before + accepted);
        expect(JSON.stringify(app.store.select('default', [{ name: '__name__', op: '=', value: 'seed' }]))).toBe(seedBefore);
      }),
      { numRuns: 300 },
    );
  });
});
