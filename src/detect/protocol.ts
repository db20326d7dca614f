import type { Anomaly, Labels } from '../core/index.js';
import type { HostModelState, HostModelSummary } from './host-model.js';
import type { HostScoredSeries } from './host-score.js';
import type { ModelSummary, SeriesModelState } from './model.js';
import type { PackedPush, PackedScores } from './packed.js';

/**
 * Scores of one series' samples from one pushed batch, for the API and PromQL (`vigil_anomaly_score`, …), at the
 * precision they are stored with: scores to 0.001, bands to 4 significant digits (precision.ts).
 */
export interface ScoredSeries {
  /** Canonical series key (`seriesKey(labels)`). */
  series: string;
  labels: Labels;
  timestamps: number[];
  scores: number[];
  lower: number[];
  upper: number[];
  /** Whether the series was still learning at its last sample. */
  learning: boolean;
  /** The series ended with a staleness marker at this time, after its scored samples (see WorkItem). */
  endedAt?: number;
}

/** Per-sample scores of one pushed batch. */
export type ScoredBatch = ScoredSeries[];

/** One series' model as listed by `GET /api/v1/models`. */
export interface ModelInfo extends ModelSummary {
  series: string;
  labels: Labels;
}

/** A model's saved form: tenant, series key, labels and the model's plain-data state. */
export interface SavedModel {
  tenant: string;
  series: string;
  labels: Labels;
  state: SeriesModelState;
}

/** A host's multivariate model as listed by the engine's `hosts()`. */
export interface HostModelInfo extends HostModelSummary {
  host: string;
}

/** A host model's saved form: tenant, host and the model's plain-data state. */
export interface SavedHostModel {
  tenant: string;
  host: string;
  state: HostModelState;
}

/** Per host: the row times (Unix ms) kept out of its multivariate model's training (e.g. acknowledged incidents). */
export type ExcludedHostTimes = Record<string, number[]>;

/** One series' samples as sent to a worker. */
export interface WorkItem {
  series: string;
  labels: Labels;
  timestamps: number[];
  values: number[];
  /** Per sample: 1 = excluded from learning (maintenance window), scored but never an anomaly. Absent when none is. */
  excluded?: Uint8Array;
  /**
   * The batch's last sample of this series was a staleness marker at this time (markers are never scored): the
   * series ended, and so do its score and bands (`scoreSeries`). An item may carry only this, with no samples.
   */
  endedAt?: number;
}

/** Messages from the engine to a detection worker. */
export type ToWorker =
  /** Items to score, packed (packed.ts). */
  | { type: 'push'; tenant: string; push: PackedPush; excludedHosts?: ExcludedHostTimes }
  | { type: 'train'; id: number; tenant: string; items: WorkItem[]; excludedHosts?: ExcludedHostTimes }
  | { type: 'restore'; models: SavedModel[]; hosts: SavedHostModel[] }
  | { type: 'feedback'; id: number; tenant: string; series: string; start: number; end: number; kind: 'expected' | 'anomaly' }
  | { type: 'models'; id: number; tenant: string }
  | { type: 'hosts'; id: number; tenant: string }
  | { type: 'save'; id: number };

/** Messages from a detection worker to the engine. */
export type FromWorker =
  /** The answer to a push, in order: its scores packed (packed.ts), host scores and anomalies. */
  | { type: 'scored'; tenant: string; scores: PackedScores; hosts: HostScoredSeries[]; anomalies: Anomaly[] }
  | { type: 'reply'; id: number; result: unknown }
  /** `push`: the message that failed was a push (the engine counts it as answered). */
  | { type: 'error'; message: string; push?: true };
