import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type SeriesSamples, seriesKey, silentLogger } from '../core/index.js';
import { openStorage, type Storage } from '../tsdb/index.js';
import { DetectionEngine } from './engine.js';
import { columnLabels } from './host-columns.js';
import { syntheticHost } from './host-synthetic.js';
import { startWarmStart, type WarmStartTarget, warmStart } from './warm-start.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const ROWS = 2 * 1440;
const END = T0 + (ROWS - 1) * MIN;

describe('warm start from the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-warm-'));
  const clock = new FakeClock(END);
  let store: Storage;
  const host = syntheticHost({ start: T0, stepMs: MIN, rows: ROWS, seed: 3 });
  const hostSeries: SeriesSamples[] = host.names.map((n, k) => ({
    labels: { ...columnLabels(n), host: 'web-1' },
    timestamps: host.t,
    values: host.values[k] as number[],
  }));
  const loose: SeriesSamples = { labels: { __name__: 'queue_depth' }, timestamps: host.t, values: host.t.map((_, i) => 10 + (i % 7)) };
  const derived: SeriesSamples = {
    labels: { __name__: 'vigil_anomaly_score', metric: 'node_load1', host: 'web-1' },
    timestamps: host.t,
    values: host.t.map(() => 0.1),
  };

  beforeAll(async () => {
    store = await openStorage({ dir, logger: silentLogger(), clock });
    for (let from = 0; from < ROWS; from += 240) {
      const slice = (s: SeriesSamples) => ({
        labels: s.labels,
        timestamps: s.timestamps.slice(from, from + 240),
        values: s.values.slice(from, from + 240),
      });
      const r = await store.append('default', [...hostSeries, loose, derived].map(slice));
      expect(r.rejected).toEqual([]);
    }
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains every series and the host model from the store, in bounded batches, and skips derived series', {
    timeout: 60_000,
  }, async () => {
    const engine = new DetectionEngine({ logger: silentLogger(), workers: 2 });
    await engine.start();
    let calls = 0;
    let biggest = 0;
    const target: WarmStartTarget = {
      models: (t) => engine.models(t),
      hosts: (t) => engine.hosts(t),
      train: (t, batch) => {
        calls++;
        biggest = Math.max(
          biggest,
          batch.reduce((a, s) => a + s.timestamps.length, 0),
        );
        return engine.train(t, batch);
      },
    };
    const report = await warmStart({ querier: store, target, logger: silentLogger(), clock, batchSamples: 5_000 });
    expect(report).toMatchObject({ groups: 2, series: 8, stopped: false });
    // 26 h of 1-minute samples for 8 series.
    expect(report.samples).toBe(8 * 26 * 60 + 8);
    expect(calls).toBeGreaterThan(5);
    expect(biggest).toBeLessThan(3 * 5_000);
    const models = await engine.models('default');
    expect(models.map((m) => m.series).sort()).toEqual([...hostSeries, loose].map((s) => seriesKey(s.labels)).sort());
    expect(models.every((m) => !m.learning)).toBe(true);
    const [h] = await engine.hosts('default');
    expect(h).toMatchObject({ host: 'web-1', learning: false, lastT: END });
    expect(h?.active).toHaveLength(6);

    // A second run has nothing left to read: every model has seen the store's newest sample.
    const again = await warmStart({ querier: store, target, logger: silentLogger(), clock });
    expect(again).toMatchObject({ series: 0, samples: 0 });
    await engine.stop();
  });

  it('feeds a model only what it has not seen, and stays within maxSeries', { timeout: 60_000 }, async () => {
    const engine = new DetectionEngine({ logger: silentLogger(), workers: 1 });
    await engine.start();
    // Live samples up to 10 minutes before the end: the host model exists, so only the last 10 minutes are read.
    await engine.train(
      'default',
      [...hostSeries, loose].map((s) => ({ labels: s.labels, timestamps: s.timestamps.slice(0, -10), values: s.values.slice(0, -10) })),
    );
    const before = await engine.models('default');
    const report = await warmStart({ querier: store, target: engine, logger: silentLogger(), clock });
    expect(report.samples).toBe(8 * 10);
    const after = await engine.models('default');
    expect(after.map((m) => m.samples)).toEqual(before.map((m) => m.samples + 10));

    const fresh = new DetectionEngine({ logger: silentLogger(), workers: 1 });
    await fresh.start();
    const bounded = await warmStart({ querier: store, target: fresh, logger: silentLogger(), clock, maxSeries: 3 });
    // The host's 7 series do not fit in 3; the loose series does.
    expect(bounded).toMatchObject({ groups: 1, series: 1 });
    expect((await fresh.models('default')).map((m) => m.series)).toEqual([seriesKey(loose.labels)]);
    await Promise.all([engine.stop(), fresh.stop()]);
  });

  it('stops between batches when stopped, and never throws in the background', { timeout: 60_000 }, async () => {
    const engine = new DetectionEngine({ logger: silentLogger(), workers: 1 });
    await engine.start();
    const bg = startWarmStart({ querier: store, target: engine, logger: silentLogger(), clock, batchSamples: 1_000 });
    bg.stop();
    expect(await bg.done).toMatchObject({ stopped: true });
    await engine.stop();
    const failing = startWarmStart({ querier: store, target: engine, logger: silentLogger(), clock });
    expect(await failing.done).toBeNull();
  });
});
