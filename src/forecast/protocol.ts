import type { Labels } from '../core/index.js';
import type { Exhaustion } from './exhaustion.js';
import type { DetectedPeriod } from './seasonality.js';

/** One series to forecast: a regular history (NaN where a bucket is empty) and its limit, if any. */
export interface ForecastJob {
  series: string;
  labels: Labels;
  values: number[];
  stepMs: number;
  /** Timestamp of the last value (Unix ms). */
  endTime: number;
  horizon: number;
  limit: number | null;
}

/** What the worker computed for one job. */
export interface ForecastJobResult {
  series: string;
  point: number[];
  lower: number[];
  upper: number[];
  periods: DetectedPeriod[];
  model: string;
  exhaustion: Exhaustion | null;
  /** Step of the forecast (ms): the job's step, or coarser when the history was downsampled. */
  stepMs: number;
  error?: string;
}

/** Messages to the forecast worker. */
export type ToForecastWorker = { type: 'run'; id: number; jobs: ForecastJob[]; maxPoints: number };

/** Messages from the forecast worker. */
export type FromForecastWorker =
  | { type: 'done'; id: number; results: ForecastJobResult[] }
  | { type: 'error'; id: number; message: string };
