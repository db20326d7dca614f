import { VigilError } from '../../core/index.js';
import type {
  OtlpAttribute,
  OtlpExportRequest,
  OtlpHistogramPoint,
  OtlpMetric,
  OtlpNumberPoint,
  OtlpResourceMetrics,
  OtlpScopeMetrics,
  OtlpSummaryPoint,
  OtlpTemporality,
} from './model.js';

function malformed(what: string, pos: number): VigilError {
  return new VigilError('BAD_PAYLOAD', `OTLP body is not a valid ExportMetricsServiceRequest: ${what} at byte ${pos}`);
}

const NS_PER_MS = 1_000_000n;

/** A bounds-checked protobuf wire reader; every read past a message's end throws BAD_PAYLOAD. */
class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  varint(end: number): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw malformed('truncated varint', this.pos);
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw malformed('varint longer than 10 bytes', this.pos);
  }

  /** A varint read as a signed 64-bit integer (two's complement), converted to a number. */
  int64(end: number): number {
    const start = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw malformed('truncated varint', start);
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(BigInt.asIntN(64, result));
      shift += 7n;
    }
    throw malformed('varint longer than 10 bytes', start);
  }

  /** Reads a field's length and returns the end offset of its payload. */
  sub(end: number): number {
    const len = this.varint(end);
    if (len > end - this.pos) throw malformed('length beyond the end of its message', this.pos);
    return this.pos + len;
  }

  string(end: number): string {
    const e = this.sub(end);
    const s = this.buf.toString('utf8', this.pos, e);
    this.pos = e;
    return s;
  }

  bytes(end: number): Buffer {
    const e = this.sub(end);
    const b = this.buf.subarray(this.pos, e);
    this.pos = e;
    return b;
  }

  private need(n: number, end: number): void {
    if (end - this.pos < n) throw malformed('truncated fixed-width field', this.pos);
  }

  double(end: number): number {
    this.need(8, end);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    // Any NaN a sender writes is the ordinary NaN: only remote_write carries staleness markers.
    return Number.isNaN(v) ? Number.NaN : v;
  }

  /** fixed64 nanoseconds → ms. */
  fixedNsToMs(end: number): number {
    this.need(8, end);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return Number(v / NS_PER_MS);
  }

  fixed64(end: number): number {
    this.need(8, end);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return Number(v);
  }

  sfixed64(end: number): number {
    this.need(8, end);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return Number(v);
  }

  skip(wireType: number, end: number): void {
    switch (wireType) {
      case 0:
        this.varint(end);
        return;
      case 1:
        this.need(8, end);
        this.pos += 8;
        return;
      case 2:
        this.pos = this.sub(end);
        return;
      case 5:
        this.need(4, end);
        this.pos += 4;
        return;
      default:
        throw malformed(`unsupported wire type ${wireType}`, this.pos);
    }
  }

  /** Calls `field` for each field of the message ending at `end`; `field` returns false for fields it does not read. */
  message(end: number, field: (num: number, wireType: number) => boolean): void {
    while (this.pos < end) {
      const tag = this.varint(end);
      const num = Math.floor(tag / 8);
      const wt = tag & 7;
      if (num === 0) throw malformed('field number 0', this.pos);
      if (!field(num, wt)) this.skip(wt, end);
    }
    if (this.pos !== end) throw malformed('message overruns its length', this.pos);
  }

  /** Reads a repeated fixed64/double field, packed (wire type 2) or not (wire type 1). */
  repeated64(wt: number, end: number, read: (end: number) => number, into: number[]): void {
    if (wt === 1) {
      into.push(read(end));
      return;
    }
    if (wt !== 2) throw malformed('bad wire type for a repeated 64-bit field', this.pos);
    const e = this.sub(end);
    if ((e - this.pos) % 8 !== 0) throw malformed('packed 64-bit field length is not a multiple of 8', this.pos);
    while (this.pos < e) into.push(read(e));
  }
}

function expect(wt: number, want: number, what: string, r: Reader): void {
  if (wt !== want) throw malformed(`${what} has wire type ${wt}, expected ${want}`, r.pos);
}

/** Deepest nesting of array/kvlist attribute values accepted; deeper bodies are refused instead of exhausting the stack. */
export const MAX_ATTRIBUTE_DEPTH = 16;

function anyValue(r: Reader, end: number, depth = 0): string {
  if (depth > MAX_ATTRIBUTE_DEPTH) throw malformed(`attribute values nested deeper than ${MAX_ATTRIBUTE_DEPTH}`, r.pos);
  let out = '';
  r.message(end, (num, wt) => {
    switch (num) {
      case 1:
        expect(wt, 2, 'string_value', r);
        out = r.string(end);
        return true;
      case 2:
        expect(wt, 0, 'bool_value', r);
        out = r.varint(end) !== 0 ? 'true' : 'false';
        return true;
      case 3:
        expect(wt, 0, 'int_value', r);
        out = String(r.int64(end));
        return true;
      case 4:
        expect(wt, 1, 'double_value', r);
        out = String(r.double(end));
        return true;
      case 5: {
        expect(wt, 2, 'array_value', r);
        const e = r.sub(end);
        const values: string[] = [];
        r.message(e, (n, w) => {
          if (n !== 1) return false;
          expect(w, 2, 'array value', r);
          values.push(anyValue(r, r.sub(e), depth + 1));
          return true;
        });
        out = JSON.stringify(values);
        return true;
      }
      case 6: {
        expect(wt, 2, 'kvlist_value', r);
        const e = r.sub(end);
        const kv: Record<string, string> = {};
        r.message(e, (n, w) => {
          if (n !== 1) return false;
          expect(w, 2, 'kvlist value', r);
          const a = keyValue(r, r.sub(e), depth + 1);
          kv[a.key] = a.value;
          return true;
        });
        out = JSON.stringify(kv);
        return true;
      }
      case 7:
        expect(wt, 2, 'bytes_value', r);
        out = r.bytes(end).toString('base64');
        return true;
    }
    return false;
  });
  return out;
}

function keyValue(r: Reader, end: number, depth = 0): OtlpAttribute {
  const a: OtlpAttribute = { key: '', value: '' };
  r.message(end, (num, wt) => {
    if (num === 1) {
      expect(wt, 2, 'key', r);
      a.key = r.string(end);
      return true;
    }
    if (num === 2) {
      expect(wt, 2, 'value', r);
      a.value = anyValue(r, r.sub(end), depth);
      return true;
    }
    return false;
  });
  return a;
}

function attributeInto(r: Reader, wt: number, end: number, into: OtlpAttribute[]): true {
  expect(wt, 2, 'attributes', r);
  into.push(keyValue(r, r.sub(end)));
  return true;
}

function numberPoint(r: Reader, end: number): OtlpNumberPoint {
  const p: OtlpNumberPoint = { attributes: [], startMs: 0, timeMs: 0, flags: 0, value: null };
  r.message(end, (num, wt) => {
    switch (num) {
      case 7:
        return attributeInto(r, wt, end, p.attributes);
      case 2:
        expect(wt, 1, 'start_time_unix_nano', r);
        p.startMs = r.fixedNsToMs(end);
        return true;
      case 3:
        expect(wt, 1, 'time_unix_nano', r);
        p.timeMs = r.fixedNsToMs(end);
        return true;
      case 4:
        expect(wt, 1, 'as_double', r);
        p.value = r.double(end);
        return true;
      case 6:
        expect(wt, 1, 'as_int', r);
        p.value = r.sfixed64(end);
        return true;
      case 8:
        expect(wt, 0, 'flags', r);
        p.flags = r.varint(end);
        return true;
    }
    return false;
  });
  return p;
}

function histogramPoint(r: Reader, end: number): OtlpHistogramPoint {
  const p: OtlpHistogramPoint = {
    attributes: [],
    startMs: 0,
    timeMs: 0,
    flags: 0,
    count: 0,
    sum: null,
    bucketCounts: [],
    explicitBounds: [],
  };
  r.message(end, (num, wt) => {
    switch (num) {
      case 9:
        return attributeInto(r, wt, end, p.attributes);
      case 2:
        expect(wt, 1, 'start_time_unix_nano', r);
        p.startMs = r.fixedNsToMs(end);
        return true;
      case 3:
        expect(wt, 1, 'time_unix_nano', r);
        p.timeMs = r.fixedNsToMs(end);
        return true;
      case 4:
        expect(wt, 1, 'count', r);
        p.count = r.fixed64(end);
        return true;
      case 5:
        expect(wt, 1, 'sum', r);
        p.sum = r.double(end);
        return true;
      case 6:
        r.repeated64(wt, end, (e) => r.fixed64(e), p.bucketCounts);
        return true;
      case 7:
        r.repeated64(wt, end, (e) => r.double(e), p.explicitBounds);
        return true;
      case 10:
        expect(wt, 0, 'flags', r);
        p.flags = r.varint(end);
        return true;
    }
    return false;
  });
  return p;
}

function summaryPoint(r: Reader, end: number): OtlpSummaryPoint {
  const p: OtlpSummaryPoint = { attributes: [], startMs: 0, timeMs: 0, flags: 0, count: 0, sum: 0, quantiles: [] };
  r.message(end, (num, wt) => {
    switch (num) {
      case 7:
        return attributeInto(r, wt, end, p.attributes);
      case 2:
        expect(wt, 1, 'start_time_unix_nano', r);
        p.startMs = r.fixedNsToMs(end);
        return true;
      case 3:
        expect(wt, 1, 'time_unix_nano', r);
        p.timeMs = r.fixedNsToMs(end);
        return true;
      case 4:
        expect(wt, 1, 'count', r);
        p.count = r.fixed64(end);
        return true;
      case 5:
        expect(wt, 1, 'sum', r);
        p.sum = r.double(end);
        return true;
      case 6: {
        expect(wt, 2, 'quantile_values', r);
        const e = r.sub(end);
        const q: [number, number] = [0, 0];
        r.message(e, (n, w) => {
          if (n === 1 || n === 2) {
            expect(w, 1, 'quantile', r);
            q[n - 1] = r.double(e);
            return true;
          }
          return false;
        });
        p.quantiles.push(q);
        return true;
      }
      case 8:
        expect(wt, 0, 'flags', r);
        p.flags = r.varint(end);
        return true;
    }
    return false;
  });
  return p;
}

function temporality(v: number): OtlpTemporality {
  return v === 1 || v === 2 ? v : 0;
}

/** Reads the data points (field 1), temporality (2) and monotonicity (3) of a Gauge/Sum/Histogram/Summary message. */
function points<P>(r: Reader, end: number, point: (r: Reader, end: number) => P): { points: P[]; temporality: number; monotonic: boolean } {
  const out = { points: [] as P[], temporality: 0, monotonic: false };
  r.message(end, (num, wt) => {
    if (num === 1) {
      expect(wt, 2, 'data_points', r);
      out.points.push(point(r, r.sub(end)));
      return true;
    }
    if (num === 2) {
      expect(wt, 0, 'aggregation_temporality', r);
      out.temporality = r.varint(end);
      return true;
    }
    if (num === 3) {
      expect(wt, 0, 'is_monotonic', r);
      out.monotonic = r.varint(end) !== 0;
      return true;
    }
    return false;
  });
  return out;
}

function countPoints(r: Reader, end: number): number {
  let n = 0;
  r.message(end, (num, wt) => {
    if (num !== 1) return false;
    expect(wt, 2, 'data_points', r);
    r.pos = r.sub(end);
    n++;
    return true;
  });
  return n;
}

function metric(r: Reader, end: number): OtlpMetric {
  let name = '';
  let unit = '';
  let description = '';
  let data: OtlpMetric | null = null;
  const base = () => ({ name, unit, description });
  r.message(end, (num, wt) => {
    switch (num) {
      case 1:
        expect(wt, 2, 'name', r);
        name = r.string(end);
        return true;
      case 2:
        expect(wt, 2, 'description', r);
        description = r.string(end);
        return true;
      case 3:
        expect(wt, 2, 'unit', r);
        unit = r.string(end);
        return true;
      case 5: {
        expect(wt, 2, 'gauge', r);
        const p = points(r, r.sub(end), numberPoint);
        data = { ...base(), kind: 'gauge', points: p.points };
        return true;
      }
      case 7: {
        expect(wt, 2, 'sum', r);
        const p = points(r, r.sub(end), numberPoint);
        data = { ...base(), kind: 'sum', points: p.points, temporality: temporality(p.temporality), monotonic: p.monotonic };
        return true;
      }
      case 9: {
        expect(wt, 2, 'histogram', r);
        const p = points(r, r.sub(end), histogramPoint);
        data = { ...base(), kind: 'histogram', points: p.points, temporality: temporality(p.temporality) };
        return true;
      }
      case 10:
        expect(wt, 2, 'exponential_histogram', r);
        data = { ...base(), kind: 'exponential_histogram', pointCount: countPoints(r, r.sub(end)) };
        return true;
      case 11: {
        expect(wt, 2, 'summary', r);
        const p = points(r, r.sub(end), summaryPoint);
        data = { ...base(), kind: 'summary', points: p.points };
        return true;
      }
    }
    return false;
  });
  const m: OtlpMetric = data ?? { ...base(), kind: 'empty' };
  // Name, unit and description may come after the data on the wire.
  m.name = name;
  m.unit = unit;
  m.description = description;
  return m;
}

function scopeMetrics(r: Reader, end: number): OtlpScopeMetrics {
  const s: OtlpScopeMetrics = { scopeName: '', scopeVersion: '', metrics: [] };
  r.message(end, (num, wt) => {
    if (num === 1) {
      expect(wt, 2, 'scope', r);
      const e = r.sub(end);
      r.message(e, (n, w) => {
        if (n === 1) {
          expect(w, 2, 'scope name', r);
          s.scopeName = r.string(e);
          return true;
        }
        if (n === 2) {
          expect(w, 2, 'scope version', r);
          s.scopeVersion = r.string(e);
          return true;
        }
        return false;
      });
      return true;
    }
    if (num === 2) {
      expect(wt, 2, 'metrics', r);
      s.metrics.push(metric(r, r.sub(end)));
      return true;
    }
    return false;
  });
  return s;
}

function resourceMetrics(r: Reader, end: number): OtlpResourceMetrics {
  const rm: OtlpResourceMetrics = { resource: [], scopes: [] };
  r.message(end, (num, wt) => {
    if (num === 1) {
      expect(wt, 2, 'resource', r);
      const e = r.sub(end);
      r.message(e, (n, w) => (n === 1 ? attributeInto(r, w, e, rm.resource) : false));
      return true;
    }
    if (num === 2) {
      expect(wt, 2, 'scope_metrics', r);
      rm.scopes.push(scopeMetrics(r, r.sub(end)));
      return true;
    }
    return false;
  });
  return rm;
}

/** Decodes a protobuf `ExportMetricsServiceRequest`; throws BAD_PAYLOAD on any structural error. */
export function decodeOtlpProtobuf(body: Buffer): OtlpExportRequest {
  const r = new Reader(body);
  const out: OtlpExportRequest = { resourceMetrics: [] };
  r.message(body.length, (num, wt) => {
    if (num !== 1) return false;
    expect(wt, 2, 'resource_metrics', r);
    out.resourceMetrics.push(resourceMetrics(r, r.sub(body.length)));
    return true;
  });
  return out;
}

/** Encodes an `ExportMetricsServiceResponse`, with `partial_success` when points were rejected. */
export function encodeOtlpResponse(rejectedDataPoints: number, errorMessage: string): Buffer {
  if (rejectedDataPoints === 0 && errorMessage === '') return Buffer.alloc(0);
  const msg = Buffer.from(errorMessage, 'utf8');
  const inner = Buffer.concat([Buffer.from([0x08]), varint(rejectedDataPoints), Buffer.from([0x12]), varint(msg.length), msg]);
  return Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
}

/** Encodes a `google.rpc.Status` with a gRPC code and message, the body OTLP/HTTP uses for errors. */
export function encodeRpcStatus(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from([0x08]), varint(code), Buffer.from([0x12]), varint(msg.length), msg]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
