import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, bench, describe } from 'vitest';
import { doubleArray, type SeriesSamples } from '../core/index.js';
import { openStorage, type Storage } from './index.js';

// The store's append of `vigil bench ingest`'s load shape: requests of 500 series × 10 samples, label objects
// frozen as ingest hands them. Run: npx vitest bench --run src/tsdb/append
const SERIES = 20_000;
const PER_REQUEST = 500;
const start = 1_763_800_000_000;
const labels = Array.from({ length: SERIES }, (_, s) =>
  Object.freeze({ __name__: `bench_metric_${s % 20}`, host: `host-${Math.floor(s / 20) % 200}`, job: 'bench', series: String(s) }),
);

/** One round of requests: 10 samples for every series, from sample `round * 10`. */
function requests(round: number): SeriesSamples[][] {
  const out: SeriesSamples[][] = [];
  for (let s0 = 0; s0 < SERIES; s0 += PER_REQUEST) {
    const batch: SeriesSamples[] = [];
    for (let s = s0; s < s0 + PER_REQUEST; s++) {
      const timestamps: number[] = [];
      const values = doubleArray();
      for (let k = 0; k < 10; k++) {
        timestamps.push(start + (round * 10 + k) * 15_000);
        values.push(((s * 7 + round * 10 + k) % 1000) / 10);
      }
      batch.push({ labels: labels[s] as SeriesSamples['labels'], timestamps, values });
    }
    out.push(batch);
  }
  return out;
}

// Every iteration must find the same work: the first bench creates its series in a tenant of its own each time,
// the second appends the next 10 samples of every series (rounds prepared in advance).
const ITERATIONS = 10;
const rounds = Array.from({ length: 2 * ITERATIONS + 4 }, (_, r) => requests(r));
const dir = mkdtempSync(join(tmpdir(), 'vigil-append-bench-'));
const store: Storage = await openStorage({ dir, registry: new Registry() });
let tenant = 0;
let next = 1;
for (const r of rounds[0] as SeriesSamples[][]) await store.append('existing', r);

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const options = { iterations: ITERATIONS, warmupIterations: 2, time: 0, warmupTime: 0 };

describe('tsdb append, 20,000 series, requests of 500 series × 10 samples', () => {
  bench(
    'create 20,000 series with 10 samples each (200,000 samples)',
    async () => {
      const t = `new-${tenant++}`;
      for (const r of rounds[0] as SeriesSamples[][]) await store.append(t, r);
    },
    options,
  );
  bench(
    'append 10 samples to each of 20,000 existing series (200,000 samples)',
    async () => {
      const round = rounds[next++] as SeriesSamples[][];
      for (const r of round) await store.append('existing', r);
    },
    options,
  );
});
