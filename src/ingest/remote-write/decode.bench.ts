import { compressSync, uncompressSync } from 'snappy';
import { bench, describe } from 'vitest';
import type { SeriesSamples } from '../../core/index.js';
import { decodeWriteRequest, decodeWriteRequestSliced } from './decode.js';
import { encodeWriteRequest } from './encode.js';

// One request as Prometheus sends them under load: 500 series × 10 samples. Run: npx vitest bench src/ingest/remote-write
const batch: SeriesSamples[] = Array.from({ length: 500 }, (_, s) => ({
  labels: { __name__: `bench_metric_${s % 20}`, host: `host-${s}`, instance: `10.0.0.${s % 250}:9100`, job: 'bench', series: String(s) },
  timestamps: Array.from({ length: 10 }, (_, i) => 1_763_800_000_000 + i * 15_000),
  values: Array.from({ length: 10 }, (_, i) => Math.round(((s * 31 + i * 7) % 1000) * 10) / 100),
}));
const raw = encodeWriteRequest(batch);
const compressed = compressSync(raw);

describe('remote_write decode (5,000 samples per op)', () => {
  bench('decode WriteRequest', () => {
    decodeWriteRequest(raw, 1_000_000);
  });
  bench('decode WriteRequest as the route does (in slices, one slice here)', async () => {
    await decodeWriteRequestSliced(raw, 1_000_000);
  });
  bench('snappy uncompress', () => {
    uncompressSync(compressed, { asBuffer: true });
  });
});
