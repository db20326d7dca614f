/** One attribute with its value rendered as text (the way attributes become label values). */
export interface OtlpAttribute {
  key: string;
  value: string;
}

/** Fields every OTLP data point has. */
export interface OtlpPointBase {
  attributes: OtlpAttribute[];
  /** Unix ms (from `start_time_unix_nano`), 0 when absent. */
  startMs: number;
  /** Unix ms (from `time_unix_nano`), 0 when absent. */
  timeMs: number;
  flags: number;
}

/** A gauge or sum point; `value` is null when the point carries neither `as_double` nor `as_int`. */
export interface OtlpNumberPoint extends OtlpPointBase {
  value: number | null;
}

/** An explicit-bucket histogram point; `bucketCounts` are per bucket, not cumulative, as on the wire. */
export interface OtlpHistogramPoint extends OtlpPointBase {
  count: number;
  sum: number | null;
  bucketCounts: number[];
  explicitBounds: number[];
}

/** A summary point with its quantiles. */
export interface OtlpSummaryPoint extends OtlpPointBase {
  count: number;
  sum: number;
  quantiles: [quantile: number, value: number][];
}

/** OTLP aggregation temporality: 0 unspecified, 1 delta, 2 cumulative. */
export type OtlpTemporality = 0 | 1 | 2;

/** One metric with the points of its kind; a kind Vigil cannot store keeps only its point count. */
export type OtlpMetric = {
  name: string;
  unit: string;
  description: string;
} & (
  | { kind: 'gauge'; points: OtlpNumberPoint[] }
  | { kind: 'sum'; points: OtlpNumberPoint[]; temporality: OtlpTemporality; monotonic: boolean }
  | { kind: 'histogram'; points: OtlpHistogramPoint[]; temporality: OtlpTemporality }
  | { kind: 'summary'; points: OtlpSummaryPoint[] }
  | { kind: 'exponential_histogram'; pointCount: number }
  | { kind: 'empty' }
);

/** Metrics of one instrumentation scope. */
export interface OtlpScopeMetrics {
  scopeName: string;
  scopeVersion: string;
  metrics: OtlpMetric[];
}

/** Metrics of one resource (one process, host or service). */
export interface OtlpResourceMetrics {
  resource: OtlpAttribute[];
  scopes: OtlpScopeMetrics[];
}

/** A decoded `ExportMetricsServiceRequest`, independent of the wire encoding (protobuf or JSON). */
export interface OtlpExportRequest {
  resourceMetrics: OtlpResourceMetrics[];
}

/** The resource and instrumentation scope a metric belongs to; one object is shared by every part of one scope. */
export interface OtlpScopeContext {
  resource: OtlpAttribute[];
  scopeName: string;
  scopeVersion: string;
}

/**
 * A piece of a request in request order: one metric, or a run of its data points (a metric with many points
 * comes in several parts), with its resource and scope. Decoders hand requests over part by part so that
 * translation can pause between parts.
 */
export interface OtlpPart {
  scope: OtlpScopeContext;
  metric: OtlpMetric;
}
