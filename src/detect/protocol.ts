import type { Anomaly, Labels } from '../core/index.js';
import type { ModelSummary, SeriesModelState } from './model.js';

/** Scores of one series' samples from one pushed batch, for the API and PromQL (`vigil_anomaly_score`, …). */
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

/** One series' samples as sent to a worker. */
export interface WorkItem {
  series: string;
  labels: Labels;
  timestamps: number[];
  values: number[];
  /** Per sample: 1 = excluded from learning (maintenance window), scored but never an anomaly. Absent when none is. */
  excluded?: Uint8Array;
}

/** Messages from the engine to a detection worker. */
export type ToWorker =
  | { type: 'push'; tenant: string; items: WorkItem[] }
  | { type: 'train'; id: number; tenant: string; items: WorkItem[] }
  | { type: 'restore'; models: SavedModel[] }
  | { type: 'feedback'; id: number; tenant: string; series: string; start: number; end: number; kind: 'expected' | 'anomaly' }
  | { type: 'models'; id: number; tenant: string }
  | { type: 'save'; id: number };

/** Messages from a detection worker to the engine. */
export type FromWorker =
  | { type: 'scored'; tenant: string; scores: ScoredBatch; anomalies: Anomaly[] }
  | { type: 'reply'; id: number; result: unknown }
  | { type: 'error'; message: string };
