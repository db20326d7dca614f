/** Streaming anomaly detection: per-series models, calibration, NAB evaluation and the detection engine. */

export * from './engine.js';
export * from './model.js';
export * from './nab/dataset.js';
export * from './nab/evaluate.js';
export * from './nab/isolation-forest.js';
export * from './nab/scoring.js';
export type { ModelInfo, SavedModel, ScoredBatch, ScoredSeries } from './protocol.js';
export { DetectionShard } from './shard.js';
