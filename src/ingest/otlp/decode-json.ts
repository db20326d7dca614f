import { VigilError } from '../../core/index.js';
import { MAX_ATTRIBUTE_DEPTH } from './decode-proto.js';
import type {
  OtlpAttribute,
  OtlpExportRequest,
  OtlpHistogramPoint,
  OtlpMetric,
  OtlpNumberPoint,
  OtlpPointBase,
  OtlpResourceMetrics,
  OtlpScopeMetrics,
  OtlpSummaryPoint,
  OtlpTemporality,
} from './model.js';

type Obj = Record<string, unknown>;

function bad(path: string, what: string): VigilError {
  return new VigilError('BAD_PAYLOAD', `OTLP JSON: ${path}: ${what}`);
}

/** Reads a field by its lowerCamelCase JSON name or its original snake_case proto name, as OTLP/JSON receivers should. */
function field(o: Obj, camel: string): unknown {
  const v = o[camel];
  if (v !== undefined) return v;
  return o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

function obj(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'expected an object');
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(path, 'expected an array');
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(path, 'expected a string');
  return v;
}

/** A JSON number, or a decimal string (how proto3 JSON writes 64-bit integers); NaN/Infinity as their proto3 JSON strings. */
function num(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return Number(v);
  }
  throw bad(path, 'expected a number');
}

/** Nanoseconds given as a decimal string or number → Unix ms, exact for strings. */
function nsToMs(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string' && /^\d+$/.test(v)) return v.length > 6 ? Number(v.slice(0, -6)) : 0;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v / 1e6);
  throw bad(path, 'expected nanoseconds as a decimal string');
}

function anyValue(v: unknown, path: string, depth = 0): string {
  if (depth > MAX_ATTRIBUTE_DEPTH) throw bad(path, `attribute values nested deeper than ${MAX_ATTRIBUTE_DEPTH}`);
  if (v === undefined || v === null) return '';
  const o = obj(v, path);
  const s = field(o, 'stringValue');
  if (s !== undefined) return str(s, `${path}.stringValue`);
  const b = field(o, 'boolValue');
  if (b !== undefined) {
    if (typeof b !== 'boolean') throw bad(`${path}.boolValue`, 'expected a boolean');
    return b ? 'true' : 'false';
  }
  const i = field(o, 'intValue');
  if (i !== undefined) return String(num(i, `${path}.intValue`));
  const d = field(o, 'doubleValue');
  if (d !== undefined) return String(num(d, `${path}.doubleValue`));
  const a = field(o, 'arrayValue');
  if (a !== undefined) {
    const values = arr(obj(a, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return JSON.stringify(values.map((x, k) => anyValue(x, `${path}.arrayValue.values[${k}]`, depth + 1)));
  }
  const kv = field(o, 'kvlistValue');
  if (kv !== undefined) {
    const values = arr(obj(kv, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`);
    const out: Record<string, string> = {};
    values.forEach((x, k) => {
      const a2 = attribute(x, `${path}.kvlistValue.values[${k}]`, depth + 1);
      out[a2.key] = a2.value;
    });
    return JSON.stringify(out);
  }
  const bytes = field(o, 'bytesValue');
  if (bytes !== undefined) return str(bytes, `${path}.bytesValue`);
  return '';
}

function attribute(v: unknown, path: string, depth = 0): OtlpAttribute {
  const o = obj(v, path);
  return { key: str(o.key, `${path}.key`), value: anyValue(o.value, `${path}.value`, depth) };
}

function attributes(v: unknown, path: string): OtlpAttribute[] {
  return arr(v, path).map((a, i) => attribute(a, `${path}[${i}]`));
}

function pointBase(o: Obj, path: string): OtlpPointBase {
  const flags = field(o, 'flags');
  return {
    attributes: attributes(o.attributes, `${path}.attributes`),
    startMs: nsToMs(field(o, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
    timeMs: nsToMs(field(o, 'timeUnixNano'), `${path}.timeUnixNano`),
    flags: flags === undefined ? 0 : num(flags, `${path}.flags`),
  };
}

function numberPoint(v: unknown, path: string): OtlpNumberPoint {
  const o = obj(v, path);
  const d = field(o, 'asDouble');
  const i = field(o, 'asInt');
  const value = d !== undefined && d !== null ? num(d, `${path}.asDouble`) : i !== undefined && i !== null ? num(i, `${path}.asInt`) : null;
  return { ...pointBase(o, path), value };
}

function histogramPoint(v: unknown, path: string): OtlpHistogramPoint {
  const o = obj(v, path);
  const sum = field(o, 'sum');
  return {
    ...pointBase(o, path),
    count: num(field(o, 'count') ?? 0, `${path}.count`),
    sum: sum === undefined || sum === null ? null : num(sum, `${path}.sum`),
    bucketCounts: arr(field(o, 'bucketCounts'), `${path}.bucketCounts`).map((x, k) => num(x, `${path}.bucketCounts[${k}]`)),
    explicitBounds: arr(field(o, 'explicitBounds'), `${path}.explicitBounds`).map((x, k) => num(x, `${path}.explicitBounds[${k}]`)),
  };
}

function summaryPoint(v: unknown, path: string): OtlpSummaryPoint {
  const o = obj(v, path);
  return {
    ...pointBase(o, path),
    count: num(field(o, 'count') ?? 0, `${path}.count`),
    sum: num(field(o, 'sum') ?? 0, `${path}.sum`),
    quantiles: arr(field(o, 'quantileValues'), `${path}.quantileValues`).map((q, k) => {
      const qo = obj(q, `${path}.quantileValues[${k}]`);
      return [num(qo.quantile ?? 0, `${path}.quantileValues[${k}].quantile`), num(qo.value ?? 0, `${path}.quantileValues[${k}].value`)];
    }),
  };
}

const TEMPORALITY_NAMES: Record<string, OtlpTemporality> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function temporality(v: unknown, path: string): OtlpTemporality {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string' && v in TEMPORALITY_NAMES) return TEMPORALITY_NAMES[v] as OtlpTemporality;
  const n = num(v, path);
  return n === 1 || n === 2 ? n : 0;
}

function metric(v: unknown, path: string): OtlpMetric {
  const o = obj(v, path);
  const base = {
    name: str(o.name, `${path}.name`),
    unit: str(o.unit, `${path}.unit`),
    description: str(o.description, `${path}.description`),
  };
  const gauge = o.gauge;
  if (gauge !== undefined && gauge !== null) {
    const g = obj(gauge, `${path}.gauge`);
    return {
      ...base,
      kind: 'gauge',
      points: arr(field(g, 'dataPoints'), `${path}.gauge.dataPoints`).map((p, i) => numberPoint(p, `${path}.gauge.dataPoints[${i}]`)),
    };
  }
  const sum = o.sum;
  if (sum !== undefined && sum !== null) {
    const s = obj(sum, `${path}.sum`);
    const mono = field(s, 'isMonotonic');
    return {
      ...base,
      kind: 'sum',
      points: arr(field(s, 'dataPoints'), `${path}.sum.dataPoints`).map((p, i) => numberPoint(p, `${path}.sum.dataPoints[${i}]`)),
      temporality: temporality(field(s, 'aggregationTemporality'), `${path}.sum.aggregationTemporality`),
      monotonic: mono === true,
    };
  }
  const hist = o.histogram;
  if (hist !== undefined && hist !== null) {
    const h = obj(hist, `${path}.histogram`);
    return {
      ...base,
      kind: 'histogram',
      points: arr(field(h, 'dataPoints'), `${path}.histogram.dataPoints`).map((p, i) =>
        histogramPoint(p, `${path}.histogram.dataPoints[${i}]`),
      ),
      temporality: temporality(field(h, 'aggregationTemporality'), `${path}.histogram.aggregationTemporality`),
    };
  }
  const summary = o.summary;
  if (summary !== undefined && summary !== null) {
    const s = obj(summary, `${path}.summary`);
    return {
      ...base,
      kind: 'summary',
      points: arr(field(s, 'dataPoints'), `${path}.summary.dataPoints`).map((p, i) => summaryPoint(p, `${path}.summary.dataPoints[${i}]`)),
    };
  }
  const exp = field(o, 'exponentialHistogram');
  if (exp !== undefined && exp !== null) {
    return {
      ...base,
      kind: 'exponential_histogram',
      pointCount: arr(field(obj(exp, `${path}.exponentialHistogram`), 'dataPoints'), path).length,
    };
  }
  return { ...base, kind: 'empty' };
}

function scopeMetrics(v: unknown, path: string): OtlpScopeMetrics {
  const o = obj(v, path);
  const scope = o.scope === undefined || o.scope === null ? {} : obj(o.scope, `${path}.scope`);
  return {
    scopeName: str(scope.name, `${path}.scope.name`),
    scopeVersion: str(scope.version, `${path}.scope.version`),
    metrics: arr(o.metrics, `${path}.metrics`).map((m, i) => metric(m, `${path}.metrics[${i}]`)),
  };
}

function resourceMetrics(v: unknown, path: string): OtlpResourceMetrics {
  const o = obj(v, path);
  const resource = o.resource === undefined || o.resource === null ? {} : obj(o.resource, `${path}.resource`);
  return {
    resource: attributes(resource.attributes, `${path}.resource.attributes`),
    scopes: arr(field(o, 'scopeMetrics'), `${path}.scopeMetrics`).map((s, i) => scopeMetrics(s, `${path}.scopeMetrics[${i}]`)),
  };
}

/** Decodes an OTLP/JSON `ExportMetricsServiceRequest` (already parsed JSON); throws BAD_PAYLOAD naming the bad path. */
export function decodeOtlpJson(doc: unknown): OtlpExportRequest {
  const o = obj(doc, '$');
  return {
    resourceMetrics: arr(field(o, 'resourceMetrics'), '$.resourceMetrics').map((r, i) => resourceMetrics(r, `$.resourceMetrics[${i}]`)),
  };
}
