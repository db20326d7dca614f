import { describe, expect, it } from 'vitest';
import { encodeVarint } from '../varint.js';
import { decodeOtlpProtobufParts } from './decode-proto.js';
import { otlpParts } from './parts.js';
import { DeltaAccumulator, type OtlpTranslation, OtlpTranslator } from './translate.js';

const field = (tag: number, ...body: Buffer[]) => {
  const b = Buffer.concat(body);
  return Buffer.concat([Buffer.from([tag]), encodeVarint(b.length), b]);
};
const str = (tag: number, s: string) => field(tag, Buffer.from(s));
const f64 = (tag: number, v: number | bigint) => {
  const b = Buffer.alloc(9);
  b[0] = tag;
  if (typeof v === 'bigint') b.writeBigUInt64LE(v, 1);
  else b.writeDoubleLE(v, 1);
  return b;
};
const kv = (k: string, v: string) => field(0x0a, str(0x0a, k), field(0x12, str(0x0a, v)));
/** NumberDataPoint { time_unix_nano, as_double, attributes { cpu } }. */
const point = (ms: number, v: number, cpu: string) =>
  field(0x0a, f64(0x19, BigInt(ms) * 1_000_000n), f64(0x21, v), field(0x3a, str(0x0a, 'cpu'), field(0x12, str(0x0a, cpu))));

/**
 * A request whose fields come in an unusual but valid order: each ResourceMetrics has its resource after its
 * scope metrics, each ScopeMetrics its scope after its metrics, the Sum its temporality and monotonicity after
 * its points, and the Metric its name and unit after its data.
 */
function scrambled(): Buffer {
  const points = Array.from({ length: 7 }, (_, i) => point(1_700_000_000_000 + i * 1000, i * 1.5, String(i % 2)));
  const sum = field(0x3a, ...points, Buffer.from([0x10, 0x02, 0x18, 0x01]));
  const metric = field(0x12, sum, str(0x0a, 'http.requests'), str(0x1a, '1'));
  const gauge = field(0x12, str(0x0a, 'queue.depth'), field(0x2a, point(1_700_000_000_000, 3, '0')));
  const scope = field(0x12, metric, gauge, field(0x0a, str(0x0a, 'lib'), str(0x12, '1.0')));
  const resource = field(0x0a, kv('service.name', 'api'));
  return field(0x0a, scope, resource);
}

const translate = (parts: Iterable<Parameters<OtlpTranslator['add']>[0]>): OtlpTranslation => {
  const tr = new OtlpTranslator({ tenant: 't', now: 1, maxSamples: 1000, deltas: new DeltaAccumulator() });
  for (const p of parts) tr.add(p);
  return tr.result;
};

describe('decodeOtlpProtobufParts', () => {
  it('gives every part its resource, scope, name and temporality wherever they are in the message', () => {
    const tr = translate(decodeOtlpProtobufParts(scrambled(), 1000));
    const names = tr.series.map((s) => s.labels);
    expect(names).toEqual([
      { job: 'api', otel_scope_name: 'lib', otel_scope_version: '1.0', cpu: '0', __name__: 'http_requests_total' },
      { job: 'api', otel_scope_name: 'lib', otel_scope_version: '1.0', cpu: '1', __name__: 'http_requests_total' },
      { job: 'api', otel_scope_name: 'lib', otel_scope_version: '1.0', cpu: '0', __name__: 'queue_depth' },
    ]);
    expect(tr.series[0]?.values).toEqual([0, 3, 6, 9]);
    expect(tr.series[1]?.timestamps).toEqual([1_700_000_001_000, 1_700_000_003_000, 1_700_000_005_000]);
    expect(tr.dataPoints).toBe(8);
  });

  it('translates the same whatever the size of the parts, and the same as the decoded tree', () => {
    const one = translate(decodeOtlpProtobufParts(scrambled(), 1));
    const all = translate(decodeOtlpProtobufParts(scrambled(), 1000));
    expect(one).toEqual(all);
    const parts = [...decodeOtlpProtobufParts(scrambled(), 2)];
    expect(parts.map((p) => (p.metric.kind === 'sum' || p.metric.kind === 'gauge' ? p.metric.points.length : 0))).toEqual([2, 2, 2, 1, 1]);
    const tree = {
      resourceMetrics: [
        {
          resource: parts[0]?.scope.resource ?? [],
          scopes: [{ scopeName: 'lib', scopeVersion: '1.0', metrics: parts.map((p) => p.metric) }],
        },
      ],
    };
    expect(translate(otlpParts(tree, 3))).toEqual(all);
  });

  it('checks a data field that a later one of the oneof overrides, and refuses a damaged one', () => {
    const good = field(0x0a, field(0x12, field(0x12, str(0x0a, 'm'), field(0x2a, point(1000, 1, '0')), field(0x3a, point(2000, 2, '0')))));
    const parts = [...decodeOtlpProtobufParts(good, 10)];
    expect(parts.map((p) => p.metric.kind)).toEqual(['sum']);
    const damagedGauge = field(0x2a, Buffer.from([0x0a, 0x05, 0x19]));
    const bad = field(0x0a, field(0x12, field(0x12, str(0x0a, 'm'), damagedGauge, field(0x3a, point(2000, 2, '0')))));
    expect(() => [...decodeOtlpProtobufParts(bad, 10)]).toThrow(/not a valid ExportMetricsServiceRequest/);
  });

  it('reads nanosecond timestamps to the millisecond, rounding down, up to 2^64 - 1', () => {
    const ns = [0n, 999_999n, 1_000_000n, 1_700_000_000_123_999_999n, 2n ** 64n - 1n];
    const body = field(
      0x0a,
      field(0x12, field(0x12, str(0x0a, 'm'), field(0x2a, ...ns.map((n) => field(0x0a, f64(0x19, n), f64(0x21, 1)))))),
    );
    const [part] = [...decodeOtlpProtobufParts(body, 10)];
    const times = part?.metric.kind === 'gauge' ? part.metric.points.map((p) => p.timeMs) : [];
    expect(times).toEqual(ns.map((n) => Number(n / 1_000_000n)));
  });

  it('reads every field of number, histogram and summary points: attributes, start and end time, flags, counts', () => {
    const ns = (ms: number) => BigInt(ms) * 1_000_000n;
    const varintField = (tag: number, v: number) => Buffer.concat([Buffer.from([tag]), encodeVarint(v)]);
    const packed = (tag: number, values: (number | bigint)[]) => field(tag, ...values.map((v) => f64(0, v).subarray(1)));
    const attr = (tag: number, k: string, v: string) => field(tag, str(0x0a, k), field(0x12, str(0x0a, v)));
    // NumberDataPoint: start 2, time 3, as_int 6 (sfixed64), attributes 7, flags 8.
    const numberPoint = field(
      0x0a,
      f64(0x11, ns(1000)),
      f64(0x19, ns(2000)),
      f64(0x31, BigInt.asUintN(64, -5n)),
      attr(0x3a, 'a', 'x'),
      varintField(0x40, 1),
    );
    // HistogramDataPoint: start 2, time 3, count 4, sum 5, bucket_counts 6 and explicit_bounds 7 (packed), attributes 9, flags 10.
    const histogramPoint = field(
      0x0a,
      f64(0x11, ns(1000)),
      f64(0x19, ns(3000)),
      f64(0x21, 6n),
      f64(0x29, 12.5),
      packed(0x32, [1n, 2n, 3n]),
      packed(0x3a, [0.5, 1]),
      attr(0x4a, 'b', 'y'),
      varintField(0x50, 1),
    );
    // SummaryDataPoint: start 2, time 3, count 4, sum 5, quantile_values 6, attributes 7, flags 8.
    const summaryPoint = field(
      0x0a,
      f64(0x11, ns(1000)),
      f64(0x19, ns(4000)),
      f64(0x21, 10n),
      f64(0x29, 2.5),
      field(0x32, f64(0x09, 0.5), f64(0x11, 0.2)),
      field(0x32, f64(0x09, 0.99), f64(0x11, 0.9)),
      attr(0x3a, 'c', 'z'),
      varintField(0x40, 1),
    );
    const metrics = [
      field(0x12, str(0x0a, 'n'), field(0x2a, numberPoint)),
      field(0x12, str(0x0a, 'h'), field(0x4a, histogramPoint, varintField(0x10, 2))),
      field(0x12, str(0x0a, 's'), field(0x5a, summaryPoint)),
    ];
    const parts = [...decodeOtlpProtobufParts(field(0x0a, field(0x12, ...metrics)), 10)];
    const points = parts.map((p) => ('points' in p.metric ? p.metric.points[0] : undefined));
    const base = (key: string, value: string, timeMs: number) => ({
      attributes: [{ key, value }],
      startMs: 1000,
      timeMs,
      flags: 1,
    });
    expect(points).toEqual([
      { ...base('a', 'x', 2000), value: -5 },
      { ...base('b', 'y', 3000), count: 6, sum: 12.5, bucketCounts: [1, 2, 3], explicitBounds: [0.5, 1] },
      {
        ...base('c', 'z', 4000),
        count: 10,
        sum: 2.5,
        quantiles: [
          [0.5, 0.2],
          [0.99, 0.9],
        ],
      },
    ]);
    expect(parts.map((p) => p.metric.kind)).toEqual(['gauge', 'histogram', 'summary']);
  });
});
