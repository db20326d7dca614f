import type { AppendResult, LabelMatcher, Labels, SeriesSamples } from '../core/index.js';

/**
 * Writes samples. Implementations: the embedded store (SQLite chunks) and, in cluster mode,
 * the PostgreSQL/remote-write store. All of them pass `contract.test-suite.ts`.
 *
 * Concurrency: `append` may be called concurrently; calls are serialised internally.
 * Durability: when the returned promise resolves, every accepted sample survives `kill -9`.
 * Buffers: the store copies what it keeps; the caller may reuse `batch` after the promise resolves.
 * Rules: within one series, samples at or before the last stored timestamp are accepted only
 * inside the out-of-order window; an identical (t, v) already stored is accepted and not stored
 * twice (so replays are idempotent); the same t with another value is `duplicate_timestamp`.
 * Reasons: with a window W > 0, a new sample at or before `newest - W` is `too_old`; with W = 0
 * (in-order only), any sample before the newest is `out_of_order`; a timestamp that is not an
 * integer in [0, 2^53) is `bad_timestamp`; timestamps and values of unequal length are `bad_value`.
 */
export interface Appender {
  append(tenant: string, batch: readonly SeriesSamples[]): Promise<AppendResult>;
}

/** A series as listed by the catalogue. */
export interface SeriesRef {
  /** Store-local numeric id, stable for the life of the store. */
  id: number;
  labels: Labels;
}

/** Samples of one series returned by a query, timestamps ascending (ms). */
export interface SeriesData {
  labels: Labels;
  timestamps: number[];
  values: number[];
}

/**
 * Aggregation applied per series per step bucket. `rate` is per second with counter-reset handling:
 * the sum of `v - prev` (or `v` after a reset) over consecutive sample pairs whose later sample is
 * in the bucket, divided by the step in seconds (no extrapolation). It is meant for counters; on a
 * gauge, a store may answer from rollups that only see decreases between rollup buckets.
 */
export type StepAggregation = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last' | 'rate';

/**
 * A step-aligned query: bucket k ends at `start + k*step` and covers `(end_k - step, end_k]`; buckets
 * without samples are omitted. Rollups are read when `step` and `start` are multiples of their
 * resolution (1 min, 1 h), so results are the same as from raw samples up to float rounding.
 */
export interface StepQuery {
  start: number;
  end: number;
  step: number;
  agg: StepAggregation;
}

/** Latest sample of one series. */
export interface LatestSample {
  labels: Labels;
  t: number;
  v: number;
}

/**
 * Reads samples and the series catalogue. Time bounds are Unix ms, both inclusive.
 * Every call is scoped to one tenant: a series of another tenant is never visible.
 * Results are fresh arrays owned by the caller.
 */
export interface Querier {
  /** Series matching every matcher; with a range, only series with data that may fall inside it. */
  series(tenant: string, matchers: readonly LabelMatcher[], range?: { start: number; end: number }): Promise<SeriesRef[]>;
  /** Label names used by series matching the matchers (all series when none), sorted. */
  labelNames(tenant: string, matchers?: readonly LabelMatcher[]): Promise<string[]>;
  /** Values of one label among series matching the matchers, sorted. */
  labelValues(tenant: string, name: string, matchers?: readonly LabelMatcher[]): Promise<string[]>;
  /** Raw samples in [start, end] for every matching series. */
  select(tenant: string, matchers: readonly LabelMatcher[], start: number, end: number): Promise<SeriesData[]>;
  /** Step-aligned aggregation per matching series; reads rollups instead of raw chunks when the step allows. */
  selectStep(tenant: string, matchers: readonly LabelMatcher[], q: StepQuery): Promise<SeriesData[]>;
  /** The newest sample of every matching series (optionally no newer than `at`). */
  latest(tenant: string, matchers: readonly LabelMatcher[], at?: number): Promise<LatestSample[]>;
}

/** Storage statistics for /metrics and benchmarks. */
export interface StorageStats {
  series: number;
  headSamples: number;
  chunks: number;
  diskBytes: number;
}

/** A complete store: append, query, lifecycle. */
export interface Storage extends Appender, Querier {
  /** Flushes everything acknowledged and releases files; further calls fail with STORAGE_CLOSED. */
  close(): Promise<void>;
  stats(): Promise<StorageStats>;
}
