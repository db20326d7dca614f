/** The time-series store: interfaces every implementation satisfies, and the embedded SQLite store. */
export type {
  Appender,
  LatestSample,
  Querier,
  SeriesData,
  SeriesRef,
  StepAggregation,
  StepQuery,
  Storage,
  StorageStats,
} from './interface.js';
export type { RetentionOptions, StorageOptions } from './storage.js';
export { CHUNK_SAMPLES, CHUNK_SPAN_MS, EmbeddedStorage, openStorage } from './storage.js';
