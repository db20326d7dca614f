/** Ingest: the pipeline every sample enters through, and one decoder/route per wire protocol. */

export { type PrometheusReadOptions, readPrometheus } from './import/prometheus.js';
export { type SendTotals, sendToVigil } from './import/send.js';
export * from './influx/index.js';
export * from './otlp/index.js';
export { type AppendedListener, IngestPipeline, type IngestPipelineOptions, type WriteOptions } from './pipeline.js';
export * from './remote-write/index.js';
export type { IngestRejection, IngestReport, IngestRouteDeps } from './route-deps.js';
export { decodeContentEncoding } from './route-helpers.js';
export * from './scrape/index.js';
export { type DecodedBatch, decodeVigilBatch } from './vigil-json/decode.js';
export { registerVigilJsonRoutes, type VigilJsonRouteDeps } from './vigil-json/route.js';
