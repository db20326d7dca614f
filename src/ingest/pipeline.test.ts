import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type AppendResult, doubleArray, isStaleNaN, type SeriesSamples, STALE_NAN, silentLogger, VigilError } from '../core/index.js';
import { IngestPipeline, type IngestPipelineOptions } from './pipeline.js';
import { MemoryStore } from './remote-write/testing/memory-store.js';

const pipeline = (opts: Partial<IngestPipelineOptions> & { storage?: IngestPipelineOptions['storage'] } = {}) => {
  const storage = opts.storage ?? new MemoryStore();
  return { p: new IngestPipeline({ logger: silentLogger(), registry: new Registry(), ...opts, storage }), storage };
};

const series = (name: string, ts: number[], vs?: number[]): SeriesSamples => ({
  labels: { __name__: name },
  timestamps: ts,
  values: vs ?? ts.map((t) => t / 10),
});

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** A batch with a long series, bad timestamps inside it, a series with bad labels, an empty one and short ones. */
function mixedBatch(): SeriesSamples[] {
  const long = series('long', range(1, 10_000));
  long.timestamps[2_500] = -1;
  long.timestamps[7_777] = 1.5;
  return [
    series('a', range(1, 300)),
    long,
    { labels: { __name__: 'bad name' }, timestamps: range(1, 1_200), values: range(1, 1_200) },
    series('empty', []),
    series('b', range(1, 845)),
  ];
}

describe('IngestPipeline.write in slices', () => {
  it('stores a large batch slice by slice with the same result as in one go', async () => {
    const whole = pipeline({ sliceSamples: 1e9 });
    const sliced = pipeline({ sliceSamples: 1_000 });
    // Two samples of `a` are already stored, out of order for the new batch.
    await whole.p.write('t', [series('a', [400])]);
    await sliced.p.write('t', [series('a', [400])]);
    const r1 = await whole.p.write('t', mixedBatch());
    const calls = (sliced.storage as MemoryStore).appendCalls;
    const r2 = await sliced.p.write('t', mixedBatch());
    expect(r2.accepted).toBe(r1.accepted);
    const order = (r: AppendResult) => [...r.rejected].sort((x, y) => x.series - y.series || x.sample - y.sample);
    expect(order(r2)).toEqual(order(r1));
    expect(r2.rejected.filter((r) => r.reason === 'bad_timestamp').map((r) => r.sample)).toEqual([2_500, 7_777]);
    expect((sliced.storage as MemoryStore).snapshot()).toBe((whole.storage as MemoryStore).snapshot());
    expect((sliced.storage as MemoryStore).appendCalls - calls).toBeGreaterThan(10);
    expect(sliced.p.queueDepth).toBe(0);
  });

  it('keeps staleness markers of a series cut between slices', async () => {
    const { p } = pipeline({ sliceSamples: 100 });
    const values = doubleArray();
    for (let i = 0; i < 250; i++) values.push(i === 180 ? STALE_NAN : i);
    const markers: boolean[] = [];
    p.onAppended((_t, batch) => {
      for (const s of batch) for (const v of s.values) if (Number.isNaN(v)) markers.push(isStaleNaN(v));
    });
    await p.write('t', [{ labels: { __name__: 'm' }, timestamps: range(1, 250), values }]);
    expect(markers).toEqual([true]);
  });

  it('counts the whole batch in the queue until each slice is durable, and lets other work run in between', async () => {
    const store = new MemoryStore();
    const depths: number[] = [];
    let p: IngestPipeline | undefined;
    const spy = {
      append: async (tenant: string, batch: readonly SeriesSamples[]) => {
        depths.push(p?.queueDepth ?? -1);
        return store.append(tenant, batch);
      },
    };
    p = pipeline({ storage: spy, sliceSamples: 1_000 }).p;
    // Work queued on the event loop once the write started runs before the write ends: the slices yield. (A timer
    // counted here before did not always fire on a fast machine, where the four slices took under a millisecond.)
    let done = false;
    let ranBetween = false;
    const written = p.write('t', [series('m', range(1, 3_500))]).then(() => {
      done = true;
    });
    setImmediate(() => {
      ranBetween = !done;
    });
    await written;
    expect(depths).toEqual([3_500, 2_500, 1_500, 500]);
    expect(p.queueDepth).toBe(0);
    expect(ranBetween).toBe(true);
  });

  it('refuses a batch over the request limit before storing any of it', async () => {
    const { p, storage } = pipeline({ sliceSamples: 100, maxSamplesPerRequest: 1_000 });
    await expect(p.write('t', [series('m', range(1, 1_001))])).rejects.toMatchObject({ code: 'TOO_MANY_SAMPLES' });
    expect((storage as MemoryStore).appendCalls).toBe(0);
  });
});

describe('IngestPipeline.stream', () => {
  it('counts the request limit across batches, keeping batches stored before the limit', async () => {
    const { p, storage } = pipeline({ maxSamplesPerRequest: 250 });
    const s = p.stream('t', 'influx');
    await s.write([series('m', range(1, 100))]);
    await s.write([series('m', range(101, 100))]);
    const err = await s.write([series('m', range(201, 100))]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('TOO_MANY_SAMPLES');
    expect((storage as MemoryStore).sampleCount).toBe(200);
  });

  it('applies backpressure before the first batch only', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const store = new MemoryStore();
    const slow = {
      append: async (tenant: string, batch: readonly SeriesSamples[]) => {
        if (batch[0]?.labels.__name__ === 'slow') await gate;
        return store.append(tenant, batch);
      },
    };
    const { p } = pipeline({ storage: slow, maxQueuedSamples: 100 });
    const admitted = p.stream('t', 'influx');
    await admitted.write([series('x', range(1, 60))]);
    const pending = p.write('t', [series('slow', range(1, 80))]);
    // The queue is full: a new request is refused, the admitted one goes on.
    await expect(p.stream('t', 'influx').write([series('y', range(1, 60))])).rejects.toMatchObject({ code: 'OVERLOADED' });
    await expect(admitted.write([series('x', range(61, 60))])).resolves.toMatchObject({ accepted: 60 });
    admitted.end();
    release();
    await pending;
    expect(store.sampleCount).toBe(200);
  });

  it('refuses new requests while a consumer added with addBackpressure is behind, saying why', async () => {
    const { p, storage } = pipeline();
    let behind: string | null = 'detection has 600000 samples waiting to be scored';
    p.addBackpressure(() => behind);
    await expect(p.write('t', [series('a', range(1, 10))])).rejects.toMatchObject({
      code: 'OVERLOADED',
      message: 'detection has 600000 samples waiting to be scored; retry later',
    });
    await expect(p.stream('t', 'influx').write([series('b', range(1, 10))])).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect((storage as MemoryStore).sampleCount).toBe(0);
    // A sender that cannot retry (the scraper) is let in all the same.
    await expect(p.write('t', [series('s', range(1, 10))], 'scrape', { cannotRetry: true })).resolves.toMatchObject({ accepted: 10 });
    behind = null;
    await expect(p.write('t', [series('a', range(1, 10))])).resolves.toMatchObject({ accepted: 10 });
  });
});
