/** Streaming anomaly detection: per-series and per-host models, calibration, NAB evaluation, warm start and the detection engine. */

export * from './config.js';
export * from './engine.js';
export * from './host-columns.js';
export * from './host-features.js';
export * from './host-model.js';
export * from './host-replay.js';
export * from './host-score.js';
export * from './model.js';
export * from './nab/dataset.js';
export * from './nab/evaluate.js';
export * from './nab/isolation-forest.js';
export * from './nab/scoring.js';
export { roundBand, roundScore } from './precision.js';
export type { HostModelInfo, ModelInfo, SavedHostModel, SavedModel, ScoredBatch, ScoredSeries } from './protocol.js';
export { DetectionShard, type DetectionShardOptions, type ShardPushOptions, type ShardPushResult } from './shard.js';
export * from './warm-start.js';
