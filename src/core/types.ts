/** A label set: metric name under `__name__` plus dimensions such as `host`, `mount`, `cpu`. */
export type Labels = Record<string, string>;

/** Samples of one series in columnar form; timestamps are Unix milliseconds, values float64. */
export interface SeriesSamples {
  labels: Labels;
  timestamps: number[];
  values: number[];
}

/** One sample of one series. */
export interface Sample {
  t: number;
  v: number;
}

/** Why one sample was not stored; stable strings that appear in API responses. */
export type RejectReason =
  | 'out_of_order'
  | 'too_old'
  | 'too_far_in_future'
  | 'duplicate_timestamp'
  | 'bad_value'
  | 'bad_timestamp'
  | 'bad_labels'
  | 'limit_exceeded';

/** A sample that was refused: index of its series in the batch, index of the sample, reason. */
export interface Rejection {
  series: number;
  sample: number;
  reason: RejectReason;
  detail?: string;
}

/** Result of appending a batch: how many samples were stored and which were refused. */
export interface AppendResult {
  accepted: number;
  rejected: Rejection[];
}

/** Label matcher operators as in PromQL selectors. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One PromQL-style label matcher; regexes are fully anchored as in Prometheus. */
export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** The tenant every object belongs to when multi-tenancy is not configured. */
export const DEFAULT_TENANT = 'default';

/** How bad an anomaly is; `info` never pages anyone. */
export type Severity = 'info' | 'warning' | 'critical';

/**
 * A scored deviation on one series, as emitted by detection and consumed by alerting, the API,
 * the live stream and the dashboard.
 */
export interface Anomaly {
  tenant: string;
  /** Canonical series key (`seriesKey(labels)`). */
  series: string;
  labels: Labels;
  /** Time of the sample that was scored (Unix ms). */
  t: number;
  /** The sample's value. */
  value: number;
  /** Calibrated score in [0, 1]: the same score means the same rarity on every series. */
  score: number;
  severity: Severity;
  /** Expected band at `t`. */
  expected: [lower: number, upper: number];
  /** Detectors that fired, e.g. `spike`, `level_shift`, `seasonal`, `novel`, `flatline`, `multivariate`. */
  detectors: string[];
  /** One human sentence saying why, e.g. "cpu 97% is far above the expected 20–35% for a Tuesday 14:00". */
  reason: string;
}
