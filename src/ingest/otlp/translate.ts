import { type Labels, type SeriesSamples, VigilError } from '../../core/index.js';
import type { IngestRejection } from '../route-deps.js';
import type { OtlpAttribute, OtlpExportRequest, OtlpMetric, OtlpPart, OtlpPointBase, OtlpScopeContext } from './model.js';
import { otlpParts } from './parts.js';

// OpenTelemetry → Prometheus naming (OTel spec "Prometheus and OpenMetrics Compatibility", as implemented by
// the collector's and Prometheus' OTLP translators with metric suffixes on).
const UNIT_NAMES: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};
const PER_UNIT_NAMES: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

function tokens(text: string): string[] {
  return text.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
}

/**
 * The Prometheus name of an OTel metric: non-alphanumeric runs become `_`, the unit is appended in words
 * (`s` → `_seconds`, `By` → `_bytes`, `X/Y` → `_X_per_Y`, `{…}` annotations dropped), monotonic sums end
 * in `_total` and unit-`1` gauges in `_ratio`.
 */
export function otlpMetricName(name: string, unit: string, kind: 'counter' | 'gauge' | 'other'): string {
  const out = tokens(name);
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u !== '') {
    const slash = u.indexOf('/');
    const main = slash < 0 ? u : u.slice(0, slash);
    const per = slash < 0 ? '' : u.slice(slash + 1);
    const mainName = UNIT_NAMES[main] ?? main;
    for (const t of tokens(mainName)) if (!out.includes(t)) out.push(t);
    if (per !== '') {
      const perName = PER_UNIT_NAMES[per] ?? per;
      const perTokens = tokens(perName);
      if (perTokens.length > 0 && !perTokens.every((t) => out.includes(t))) out.push('per', ...perTokens);
    }
  }
  if (kind === 'counter') {
    const i = out.indexOf('total');
    if (i >= 0) out.splice(i, 1);
    out.push('total');
  }
  if (kind === 'gauge' && u === '1' && !out.includes('ratio')) out.push('ratio');
  let n = out.join('_');
  if (n === '' || /^[0-9]/.test(n)) n = `_${n}`;
  return n;
}

/** The Prometheus label name of an OTel attribute key: invalid characters become `_`; a leading digit or single `_` gets `key`. */
export function otlpLabelName(key: string): string {
  const l = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(l)) return `key_${l}`;
  if (l.startsWith('_') && !l.startsWith('__')) return `key${l}`;
  return l;
}

/** Label names of attribute keys seen recently: the same few keys come with every data point. */
const labelNames = new Map<string, string>();
const LABEL_NAME_CACHE_SIZE = 10_000;

function cachedLabelName(key: string): string {
  let name = labelNames.get(key);
  if (name === undefined) {
    name = otlpLabelName(key);
    if (labelNames.size >= LABEL_NAME_CACHE_SIZE) labelNames.clear();
    labelNames.set(key, name);
  }
  return name;
}

/** Puts attributes into `labels`; keys that sanitise to the same name get their values joined with `;` in key order. */
function addAttributes(labels: Labels, attrs: readonly OtlpAttribute[], skip?: ReadonlySet<string>): void {
  // Usual case: every key gives a different name, so each attribute is one label.
  const names: string[] = [];
  let clash = false;
  for (const a of attrs) {
    if (a.key === '' || skip?.has(a.key)) continue;
    const name = cachedLabelName(a.key);
    if (names.includes(name)) {
      clash = true;
      break;
    }
    names.push(name);
  }
  if (!clash) {
    let i = 0;
    for (const a of attrs) if (a.key !== '' && !skip?.has(a.key)) labels[names[i++] as string] = a.value;
    return;
  }
  const merged = new Map<string, [string, string][]>();
  for (const a of attrs) {
    if (a.key === '' || skip?.has(a.key)) continue;
    const name = cachedLabelName(a.key);
    const list = merged.get(name);
    if (list === undefined) merged.set(name, [[a.key, a.value]]);
    else list.push([a.key, a.value]);
  }
  for (const [name, list] of merged) {
    list.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    labels[name] = list.map((e) => e[1]).join(';');
  }
}

const SERVICE_ATTRS = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** Labels every series of one resource and scope carries: resource attributes, `job`, `instance`, `host`, scope. */
function resourceLabels(resource: readonly OtlpAttribute[], scopeName: string, scopeVersion: string): { base: Labels; forced: Labels } {
  const base: Labels = {};
  addAttributes(base, resource, SERVICE_ATTRS);
  const get = (k: string) => resource.find((a) => a.key === k)?.value;
  const hostName = get('host.name');
  if (hostName !== undefined && base.host === undefined) base.host = hostName;
  if (scopeName !== '') base.otel_scope_name = scopeName;
  if (scopeVersion !== '') base.otel_scope_version = scopeVersion;
  const forced: Labels = {};
  const service = get('service.name');
  const ns = get('service.namespace');
  if (service !== undefined && service !== '') forced.job = ns !== undefined && ns !== '' ? `${ns}/${service}` : service;
  const instance = get('service.instance.id');
  if (instance !== undefined && instance !== '') forced.instance = instance;
  return { base, forced };
}

/**
 * Turns delta temporality into cumulative values by keeping a running total per output series, as the
 * collector's deltatocumulative processor does. Totals live in memory (bounded; the oldest are forgotten
 * first), so a restart looks like a counter reset, which `rate()` handles.
 */
export class DeltaAccumulator {
  private readonly totals = new Map<string, number>();

  constructor(private readonly maxSeries = 200_000) {}

  /** Adds `delta` to the running total of `key` and returns the new total. */
  add(key: string, delta: number): number {
    const total = (this.totals.get(key) ?? 0) + delta;
    if (!this.totals.has(key) && this.totals.size >= this.maxSeries) {
      const oldest = this.totals.keys().next().value;
      if (oldest !== undefined) this.totals.delete(oldest);
    }
    this.totals.set(key, total);
    return total;
  }

  /** Number of series with a running total. */
  get size(): number {
    return this.totals.size;
  }
}

/** Options for translating an OTLP request. */
export interface OtlpTranslateOptions {
  tenant: string;
  /** Unix ms given to points without a timestamp. */
  now: number;
  maxSamples: number;
  deltas: DeltaAccumulator;
}

/** Series for the pipeline; for each sample, the index of the OTLP data point it came from; refused points. */
export interface OtlpTranslation {
  series: SeriesSamples[];
  /** `points[i][j]`: data point index (counted across the request) of sample j of series i. */
  points: number[][];
  rejections: IngestRejection[];
  /** Data points in the request. */
  dataPoints: number;
  samples: number;
}

const NO_RECORDED_VALUE = 1;

/** Formats a bucket bound or quantile the way Prometheus label values show them (`+Inf`, `0.005`, `1e+21`). */
function formatFloat(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

class Builder {
  readonly out: OtlpTranslation = { series: [], points: [], rejections: [], dataPoints: 0, samples: 0 };
  private readonly index = new Map<string, number>();

  constructor(private readonly opts: OtlpTranslateOptions) {}

  add(labels: Labels, t: number, v: number, point: number, delta: boolean): void {
    const names = Object.keys(labels).sort();
    let key = '';
    for (const n of names) key += `${n}\u0000${labels[n]}\u0001`;
    if (delta) v = this.opts.deltas.add(`${this.opts.tenant}\u0002${key}`, v);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.out.series.length;
      this.index.set(key, i);
      this.out.series.push({ labels, timestamps: [], values: [] });
      this.out.points.push([]);
    }
    const s = this.out.series[i] as SeriesSamples;
    s.timestamps.push(t);
    s.values.push(v);
    (this.out.points[i] as number[]).push(point);
    if (++this.out.samples > this.opts.maxSamples) {
      throw new VigilError('TOO_MANY_SAMPLES', `request has more than ${this.opts.maxSamples} samples`);
    }
  }

  reject(point: number, metric: string, detail: string): void {
    this.out.rejections.push({ reason: 'bad_value', point, detail: `${metric}: ${detail}` });
  }
}

/**
 * Translates OTLP into Prometheus-style series: gauges and sums as one series each (monotonic sums get
 * `_total`, delta sums become cumulative), histograms as `_bucket{le}` (cumulative counts, `+Inf` = count),
 * `_sum` and `_count`, summaries as `{quantile}`, `_sum`, `_count`. Resource attributes become labels
 * (`service.name` → `job`, `service.instance.id` → `instance`, `host.name` → `host`), then data point
 * attributes. Exponential histograms are refused point by point. Parts are added in request order; the
 * result is the same as translating the whole request at once (one series per label set, data points
 * counted across the request).
 */
export class OtlpTranslator {
  private readonly b: Builder;
  private scope: OtlpScopeContext | null = null;
  private base: Labels = {};
  private forced: Labels = {};

  constructor(private readonly opts: OtlpTranslateOptions) {
    this.b = new Builder(opts);
  }

  /** Translates the next part; throws TOO_MANY_SAMPLES once the request has more samples than allowed. */
  add(part: OtlpPart): void {
    if (part.scope !== this.scope) {
      this.scope = part.scope;
      ({ base: this.base, forced: this.forced } = resourceLabels(part.scope.resource, part.scope.scopeName, part.scope.scopeVersion));
    }
    translateMetric(this.b, part.metric, this.base, this.forced, this.opts.now);
  }

  /** Everything translated so far. */
  get result(): OtlpTranslation {
    return this.b.out;
  }
}

/** Translates a whole decoded OTLP request at once (see OtlpTranslator). */
export function translateOtlp(req: OtlpExportRequest, opts: OtlpTranslateOptions): OtlpTranslation {
  const t = new OtlpTranslator(opts);
  for (const part of otlpParts(req, Number.POSITIVE_INFINITY)) t.add(part);
  return t.result;
}

function pointLabels(base: Labels, forced: Labels, p: OtlpPointBase, name: string): Labels {
  const labels: Labels = { ...base };
  addAttributes(labels, p.attributes);
  Object.assign(labels, forced);
  labels.__name__ = name;
  return labels;
}

function translateMetric(b: Builder, m: OtlpMetric, base: Labels, forced: Labels, now: number): void {
  switch (m.kind) {
    case 'empty':
      return;
    case 'exponential_histogram':
      for (let k = 0; k < m.pointCount; k++)
        b.reject(b.out.dataPoints++, m.name, 'exponential histograms are not supported; use explicit buckets');
      return;
    case 'gauge':
    case 'sum': {
      const counter = m.kind === 'sum' && m.monotonic;
      const name = otlpMetricName(m.name, m.unit, counter ? 'counter' : m.kind === 'gauge' ? 'gauge' : 'other');
      const delta = m.kind === 'sum' && m.temporality === 1;
      for (const p of m.points) {
        const id = b.out.dataPoints++;
        if ((p.flags & NO_RECORDED_VALUE) !== 0) continue;
        if (p.value === null) {
          b.reject(id, m.name, 'data point has no value');
          continue;
        }
        b.add(pointLabels(base, forced, p, name), p.timeMs || now, p.value, id, delta);
      }
      return;
    }
    case 'histogram': {
      const name = otlpMetricName(m.name, m.unit, 'other');
      const delta = m.temporality === 1;
      for (const p of m.points) {
        const id = b.out.dataPoints++;
        if ((p.flags & NO_RECORDED_VALUE) !== 0) continue;
        if (p.bucketCounts.length > 0 && p.bucketCounts.length !== p.explicitBounds.length + 1) {
          b.reject(id, m.name, `${p.bucketCounts.length} bucket counts for ${p.explicitBounds.length} bounds; expected bounds + 1`);
          continue;
        }
        const t = p.timeMs || now;
        let cumulative = 0;
        for (let k = 0; k < p.explicitBounds.length && k < p.bucketCounts.length; k++) {
          cumulative += p.bucketCounts[k] as number;
          const labels = pointLabels(base, forced, p, `${name}_bucket`);
          labels.le = formatFloat(p.explicitBounds[k] as number);
          b.add(labels, t, cumulative, id, delta);
        }
        const inf = pointLabels(base, forced, p, `${name}_bucket`);
        inf.le = '+Inf';
        b.add(inf, t, p.count, id, delta);
        b.add(pointLabels(base, forced, p, `${name}_count`), t, p.count, id, delta);
        if (p.sum !== null) b.add(pointLabels(base, forced, p, `${name}_sum`), t, p.sum, id, delta);
      }
      return;
    }
    case 'summary': {
      const name = otlpMetricName(m.name, m.unit, 'other');
      for (const p of m.points) {
        const id = b.out.dataPoints++;
        if ((p.flags & NO_RECORDED_VALUE) !== 0) continue;
        const t = p.timeMs || now;
        for (const [q, v] of p.quantiles) {
          const labels = pointLabels(base, forced, p, name);
          labels.quantile = formatFloat(q);
          b.add(labels, t, v, id, false);
        }
        b.add(pointLabels(base, forced, p, `${name}_count`), t, p.count, id, false);
        b.add(pointLabels(base, forced, p, `${name}_sum`), t, p.sum, id, false);
      }
      return;
    }
  }
}
