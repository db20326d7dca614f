import { VigilError } from '../../core/index.js';
import { encodeVarint } from '../varint.js';
import type {
  OtlpAttribute,
  OtlpHistogramPoint,
  OtlpNumberPoint,
  OtlpPart,
  OtlpPointBase,
  OtlpScopeContext,
  OtlpSummaryPoint,
  OtlpTemporality,
} from './model.js';

function malformed(what: string, pos: number): VigilError {
  return new VigilError('BAD_PAYLOAD', `OTLP body is not a valid ExportMetricsServiceRequest: ${what} at byte ${pos}`);
}

/** A bounds-checked protobuf wire reader; every read past a message's end throws BAD_PAYLOAD. */
class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  encodeVarint(end: number): number {
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
    const len = this.encodeVarint(end);
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

  /** fixed64 nanoseconds → ms, rounded down, computed exactly without a BigInt. */
  fixedNsToMs(end: number): number {
    this.need(8, end);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    // hi·2³² + lo = hi·4294·10⁶ + (hi·967296 + lo), and the second term stays below 2⁵³.
    const rest = hi * 967_296 + lo;
    let q = Math.floor(rest / 1_000_000);
    const r = rest - q * 1_000_000;
    if (r < 0) q--;
    else if (r >= 1_000_000) q++;
    return hi * 4294 + q;
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
        this.encodeVarint(end);
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
      const tag = this.encodeVarint(end);
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
        out = r.encodeVarint(end) !== 0 ? 'true' : 'false';
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

/** Field numbers that differ between data point messages; start and end time are fields 2 and 3 in all of them. */
interface PointFields {
  attributes: number;
  flags: number;
}

/**
 * Reads a field every data point message has (attributes, start and end time, flags) into `p`; false for any
 * other field, which the caller reads.
 */
function pointBaseField(r: Reader, num: number, wt: number, end: number, p: OtlpPointBase, fields: PointFields): boolean {
  switch (num) {
    case fields.attributes:
      return attributeInto(r, wt, end, p.attributes);
    case 2:
      expect(wt, 1, 'start_time_unix_nano', r);
      p.startMs = r.fixedNsToMs(end);
      return true;
    case 3:
      expect(wt, 1, 'time_unix_nano', r);
      p.timeMs = r.fixedNsToMs(end);
      return true;
    case fields.flags:
      expect(wt, 0, 'flags', r);
      p.flags = r.encodeVarint(end);
      return true;
  }
  return false;
}

/** Reads the fields `count` (4, fixed64) and `sum` (5, double) of histogram and summary points; false for others (writes only numbers). */
function countSumField(r: Reader, num: number, wt: number, end: number, p: { count: number; sum: number | null }): boolean {
  if (num === 4) {
    expect(wt, 1, 'count', r);
    p.count = r.fixed64(end);
    return true;
  }
  if (num === 5) {
    expect(wt, 1, 'sum', r);
    p.sum = r.double(end);
    return true;
  }
  return false;
}

const NUMBER_POINT: PointFields = { attributes: 7, flags: 8 };
const HISTOGRAM_POINT: PointFields = { attributes: 9, flags: 10 };
const SUMMARY_POINT: PointFields = { attributes: 7, flags: 8 };

function numberPoint(r: Reader, end: number): OtlpNumberPoint {
  const p: OtlpNumberPoint = { attributes: [], startMs: 0, timeMs: 0, flags: 0, value: null };
  r.message(end, (num, wt) => {
    if (pointBaseField(r, num, wt, end, p, NUMBER_POINT)) return true;
    if (num === 4) {
      expect(wt, 1, 'as_double', r);
      p.value = r.double(end);
      return true;
    }
    if (num === 6) {
      expect(wt, 1, 'as_int', r);
      p.value = r.sfixed64(end);
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
    if (pointBaseField(r, num, wt, end, p, HISTOGRAM_POINT) || countSumField(r, num, wt, end, p)) return true;
    if (num === 6) {
      r.repeated64(wt, end, (e) => r.fixed64(e), p.bucketCounts);
      return true;
    }
    if (num === 7) {
      r.repeated64(wt, end, (e) => r.double(e), p.explicitBounds);
      return true;
    }
    return false;
  });
  return p;
}

function summaryPoint(r: Reader, end: number): OtlpSummaryPoint {
  const p: OtlpSummaryPoint = { attributes: [], startMs: 0, timeMs: 0, flags: 0, count: 0, sum: 0, quantiles: [] };
  r.message(end, (num, wt) => {
    if (pointBaseField(r, num, wt, end, p, SUMMARY_POINT) || countSumField(r, num, wt, end, p)) return true;
    if (num === 6) {
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
    return false;
  });
  return p;
}

function otlpTemporality(v: number): OtlpTemporality {
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
      out.temporality = r.encodeVarint(end);
      return true;
    }
    if (num === 3) {
      expect(wt, 0, 'is_monotonic', r);
      out.monotonic = r.encodeVarint(end) !== 0;
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

/** Reads the next field's tag of the message ending at `end`; throws on field number 0. */
function tag(r: Reader, end: number): number {
  const t = r.encodeVarint(end);
  if (t < 8) throw malformed('field number 0', r.pos);
  return t;
}

/** Throws unless the message that ended the loop ended exactly at `end`. */
function ended(r: Reader, end: number): void {
  if (r.pos !== end) throw malformed('message overruns its length', r.pos);
}

/** Where a metric's data message lies and which kind it is (the field number: 5 gauge, 7 sum, 9 histogram, 10 exponential, 11 summary). */
interface DataField {
  num: number;
  start: number;
  end: number;
}

/** Decodes a data message only to check it (a metric's data is a oneof: an earlier one is overridden but must still be valid). */
function checkData(r: Reader, d: DataField): void {
  r.pos = d.start;
  if (d.num === 10) countPoints(r, d.end);
  else if (d.num === 9) points(r, d.end, histogramPoint);
  else if (d.num === 11) points(r, d.end, summaryPoint);
  else points(r, d.end, numberPoint);
}

/** The field numbers of a Metric's data oneof, with their names. */
const DATA_FIELDS: Record<number, string> = { 5: 'gauge', 7: 'sum', 9: 'histogram', 10: 'exponential_histogram', 11: 'summary' };

/**
 * Reads one Metric in parts of at most `maxPoints` data points. Name, unit, description, temporality and
 * monotonicity are read first wherever they are in the message, so every part knows them.
 */
function* metricParts(r: Reader, end: number, scope: OtlpScopeContext, maxPoints: number): Generator<OtlpPart> {
  let name = '';
  let unit = '';
  let description = '';
  let data: DataField | null = null;
  while (r.pos < end) {
    const t = tag(r, end);
    const num = t >>> 3;
    const wt = t & 7;
    if (num === 1) {
      expect(wt, 2, 'name', r);
      name = r.string(end);
    } else if (num === 2) {
      expect(wt, 2, 'description', r);
      description = r.string(end);
    } else if (num === 3) {
      expect(wt, 2, 'unit', r);
      unit = r.string(end);
    } else if (DATA_FIELDS[num] !== undefined) {
      expect(wt, 2, DATA_FIELDS[num], r);
      const e = r.sub(end);
      const start = r.pos;
      if (data !== null) checkData(r, data);
      data = { num, start, end: e };
      r.pos = e;
    } else r.skip(wt, end);
  }
  ended(r, end);
  if (data === null) return;
  const base = { name, unit, description };
  r.pos = data.start;
  if (data.num === 10) {
    yield { scope, metric: { ...base, kind: 'exponential_histogram', pointCount: countPoints(r, data.end) } };
    r.pos = end;
    return;
  }
  // The container's own fields first (temporality, monotonicity), checking the points' framing on the way.
  let temporality = 0;
  let monotonic = false;
  while (r.pos < data.end) {
    const t = tag(r, data.end);
    const num = t >>> 3;
    const wt = t & 7;
    if (num === 1) {
      expect(wt, 2, 'data_points', r);
      r.pos = r.sub(data.end);
    } else if (num === 2) {
      expect(wt, 0, 'aggregation_temporality', r);
      temporality = r.encodeVarint(data.end);
    } else if (num === 3) {
      expect(wt, 0, 'is_monotonic', r);
      monotonic = r.encodeVarint(data.end) !== 0;
    } else r.skip(wt, data.end);
  }
  ended(r, data.end);
  const kind = data.num;
  const part = (pts: OtlpNumberPoint[] | OtlpHistogramPoint[] | OtlpSummaryPoint[]): OtlpPart => {
    if (kind === 5) return { scope, metric: { ...base, kind: 'gauge', points: pts as OtlpNumberPoint[] } };
    if (kind === 7)
      return {
        scope,
        metric: { ...base, kind: 'sum', points: pts as OtlpNumberPoint[], temporality: otlpTemporality(temporality), monotonic },
      };
    if (kind === 9)
      return {
        scope,
        metric: { ...base, kind: 'histogram', points: pts as OtlpHistogramPoint[], temporality: otlpTemporality(temporality) },
      };
    return { scope, metric: { ...base, kind: 'summary', points: pts as OtlpSummaryPoint[] } };
  };
  const read: (r: Reader, end: number) => OtlpNumberPoint | OtlpHistogramPoint | OtlpSummaryPoint =
    kind === 9 ? histogramPoint : kind === 11 ? summaryPoint : numberPoint;
  let chunk: (OtlpNumberPoint | OtlpHistogramPoint | OtlpSummaryPoint)[] = [];
  r.pos = data.start;
  while (r.pos < data.end) {
    const t = tag(r, data.end);
    if (t >>> 3 !== 1) {
      r.skip(t & 7, data.end);
      continue;
    }
    chunk.push(read(r, r.sub(data.end)));
    if (chunk.length >= maxPoints) {
      yield part(chunk as OtlpNumberPoint[]);
      chunk = [];
    }
  }
  if (chunk.length > 0) yield part(chunk as OtlpNumberPoint[]);
  r.pos = end;
}

/**
 * Reads a message whose field 1 is context for its repeated field 2, wherever field 1 sits: first every field 1,
 * through `readContext` (given the end of the embedded message), then each field 2 in order, through `children`.
 */
function* contextThenChildren<T>(
  r: Reader,
  end: number,
  names: { context: string; children: string },
  readContext: (e: number) => void,
  children: (e: number) => Generator<T>,
): Generator<T> {
  const start = r.pos;
  while (r.pos < end) {
    const t = tag(r, end);
    const num = t >>> 3;
    const wt = t & 7;
    if (num !== 1) {
      if (num === 2) expect(wt, 2, names.children, r);
      r.skip(wt, end);
      continue;
    }
    expect(wt, 2, names.context, r);
    readContext(r.sub(end));
  }
  ended(r, end);
  r.pos = start;
  while (r.pos < end) {
    const t = tag(r, end);
    if (t >>> 3 !== 2) {
      r.skip(t & 7, end);
      continue;
    }
    const e = r.sub(end);
    yield* children(e);
    r.pos = e;
  }
}

/** Reads one ScopeMetrics: its scope first (wherever it is in the message), then its metrics in order. */
function scopeParts(r: Reader, end: number, resource: OtlpAttribute[], maxPoints: number): Generator<OtlpPart> {
  const scope: OtlpScopeContext = { resource, scopeName: '', scopeVersion: '' };
  return contextThenChildren(
    r,
    end,
    { context: 'scope', children: 'metrics' },
    (e) =>
      r.message(e, (n, w) => {
        if (n === 1) {
          expect(w, 2, 'scope name', r);
          scope.scopeName = r.string(e);
          return true;
        }
        if (n === 2) {
          expect(w, 2, 'scope version', r);
          scope.scopeVersion = r.string(e);
          return true;
        }
        return false;
      }),
    (e) => metricParts(r, e, scope, maxPoints),
  );
}

/** Reads one ResourceMetrics: its resource attributes first (wherever they are in the message), then its scopes in order. */
function resourceParts(r: Reader, end: number, maxPoints: number): Generator<OtlpPart> {
  const resource: OtlpAttribute[] = [];
  return contextThenChildren(
    r,
    end,
    { context: 'resource', children: 'scope_metrics' },
    (e) => r.message(e, (n, w) => (n === 1 ? attributeInto(r, w, e, resource) : false)),
    (e) => scopeParts(r, e, resource, maxPoints),
  );
}

/**
 * Decodes a protobuf `ExportMetricsServiceRequest` part by part, in request order, each part holding at most
 * `maxPoints` data points of one metric; throws BAD_PAYLOAD on any structural error when it reaches it.
 * A consumer can pause between parts: the body is read in place, no whole-request tree is built.
 */
export function* decodeOtlpProtobufParts(body: Buffer, maxPoints: number): Generator<OtlpPart> {
  const r = new Reader(body);
  const end = body.length;
  while (r.pos < end) {
    const t = tag(r, end);
    if (t >>> 3 !== 1) {
      r.skip(t & 7, end);
      continue;
    }
    expect(t & 7, 2, 'resource_metrics', r);
    const e = r.sub(end);
    yield* resourceParts(r, e, maxPoints);
    r.pos = e;
  }
}

/** Encodes an `ExportMetricsServiceResponse`, with `partial_success` when points were rejected. */
export function encodeOtlpResponse(rejectedDataPoints: number, errorMessage: string): Buffer {
  if (rejectedDataPoints === 0 && errorMessage === '') return Buffer.alloc(0);
  const msg = Buffer.from(errorMessage, 'utf8');
  const inner = Buffer.concat([Buffer.from([0x08]), encodeVarint(rejectedDataPoints), Buffer.from([0x12]), encodeVarint(msg.length), msg]);
  return Buffer.concat([Buffer.from([0x0a]), encodeVarint(inner.length), inner]);
}

/** Encodes a `google.rpc.Status` with a gRPC code and message, the body OTLP/HTTP uses for errors. */
export function encodeRpcStatus(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from([0x08]), encodeVarint(code), Buffer.from([0x12]), encodeVarint(msg.length), msg]);
}
