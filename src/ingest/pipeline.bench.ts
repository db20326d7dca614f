import { Registry } from 'prom-client';
import { bench, describe } from 'vitest';
import { type SeriesSamples, silentLogger } from '../core/index.js';
import { IngestPipeline } from './pipeline.js';
import { decodeWriteRequest } from './remote-write/decode.js';
import { encodeWriteRequest } from './remote-write/encode.js';

// The pipeline's own work (label checks, slicing, bookkeeping) on one decoded remote_write request of 500 series
// × 10 samples whose series were seen before, with a store that does nothing. Run: npx vitest bench src/ingest/pipeline
const request: SeriesSamples[] = Array.from({ length: 500 }, (_, s) => ({
  labels: { __name__: `bench_metric_${s % 20}`, host: `host-${s}`, instance: `10.0.0.${s % 250}:9100`, job: 'bench', series: String(s) },
  timestamps: Array.from({ length: 10 }, (_, i) => 1_763_800_000_000 + i * 15_000),
  values: Array.from({ length: 10 }, (_, i) => i / 10),
}));
const decoded = decodeWriteRequest(encodeWriteRequest(request), 1_000_000).series;
const nothing = { append: async (_t: string, b: readonly SeriesSamples[]) => ({ accepted: b.length * 10, rejected: [] }) };
const pipeline = new IngestPipeline({ storage: nothing, logger: silentLogger(), registry: new Registry() });
const big = Array.from({ length: 20 }, () => decoded).flat();
const bigPipeline = new IngestPipeline({ storage: nothing, logger: silentLogger(), registry: new Registry() });

describe('ingest pipeline, store excluded', () => {
  bench('write one 5,000-sample request (one slice)', async () => {
    await pipeline.write('t', decoded, 'remote_write');
  });
  bench('write one 100,000-sample request (20 slices)', async () => {
    await bigPipeline.write('t', big, 'remote_write');
  });
});
