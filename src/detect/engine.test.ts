import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type Anomaly, type SeriesSamples, STALE_NAN, seriesKey, silentLogger } from '../core/index.js';
import { DetectionEngine } from './engine.js';
import { columnLabels } from './host-columns.js';
import { HOST_SCORE_METRIC, type HostScoredSeries, hostScoreSeries } from './host-score.js';
import { syntheticHost } from './host-synthetic.js';
import type { ScoredBatch } from './protocol.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const labels = { __name__: 'node_load1', host: 'web-1' };

function batch(from: number, n: number, f: (i: number) => number): SeriesSamples[] {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = from; i < from + n; i++) {
    timestamps.push(T0 + i * MIN);
    values.push(f(i));
  }
  return [{ labels, timestamps, values }];
}

const noise = (i: number) => 5 + Math.sin(i * 1.7) * 0.5 + Math.sin(i * 0.37) * 0.3;

describe('DetectionEngine', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** Pushes each batch to a one-worker engine in turn and gives what it scored for each. */
  async function scoreEach(batches: SeriesSamples[][]): Promise<ScoredBatch[]> {
    const engine = new DetectionEngine({ logger: silentLogger(), registry: new Registry(), workers: 1 });
    await engine.start();
    try {
      const scored: ScoredBatch[] = [];
      let waiter: (() => void) | undefined;
      engine.onScores((_tenant, s) => {
        scored.push(s);
        waiter?.();
      });
      for (const b of batches) {
        const done = new Promise<void>((res) => (waiter = res));
        engine.push('default', b);
        await done;
      }
      return scored;
    } finally {
      await engine.stop();
    }
  }

  it('never scores a staleness marker: the series ended, it did not take a value', { timeout: 20_000 }, async () => {
    const [b] = batch(0, 4, noise);
    b!.values[2] = STALE_NAN;
    const scored = await scoreEach([[b!]]);
    expect(scored.flat().flatMap((s) => s.timestamps)).toEqual([T0, T0 + MIN, T0 + 3 * MIN]);
  });

  it('passes on where a series ended with a marker (the last sample of the batch), scoring the rest', { timeout: 20_000 }, async () => {
    // A marker in the middle is skipped, not an end; a marker last ends the series. A later batch that is only the
    // marker still says so, with nothing scored.
    const [b] = batch(0, 4, noise);
    b!.values[1] = STALE_NAN;
    b!.values[3] = STALE_NAN;
    const scored = await scoreEach([[b!], [{ ...b!, timestamps: [T0 + 9 * MIN], values: [STALE_NAN] }]]);
    expect(scored.map((batch) => batch.map((x) => [x.timestamps, x.endedAt]))).toEqual([
      [[[T0, T0 + 2 * MIN], T0 + 3 * MIN]],
      [[[], T0 + 9 * MIN]],
    ]);
  });

  it('drops pushes while a worker is behind by more than its backlog bound, counts them, and catches up', { timeout: 20_000 }, async () => {
    const registry = new Registry();
    const engine = new DetectionEngine({ logger: silentLogger(), registry, workers: 1, maxBacklogSamples: 100, behindAtSamples: 50 });
    await engine.start();
    try {
      let scoredSamples = 0;
      engine.onScores((_tenant, s) => {
        for (const x of s) scoredSamples += x.timestamps.length;
      });
      // Ten pushes of 60 samples in one turn of the event loop: the first is taken (an idle worker takes any size);
      // with it in the backlog, 60 more would pass the bound of 100, so the other nine are dropped.
      for (let k = 0; k < 10; k++) engine.push('default', batch(k * 60, 60, noise));
      expect(engine.backlogSamples).toBe(60);
      expect(engine.behind()).toBe('detection has 60 samples waiting to be scored');
      const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
      expect(await metric('vigil_detect_samples_dropped_total')).toBe(540);
      expect(await metric('vigil_detect_backlog_samples')).toBe(60);
      for (let i = 0; engine.backlogSamples > 0; i++) {
        if (i > 200) throw new Error('backlog not worked off within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(scoredSamples).toBe(60);
      expect(engine.behind()).toBeNull();
      // Caught up: the next push is taken again.
      engine.push('default', batch(600, 60, noise));
      expect(engine.backlogSamples).toBe(60);
      expect(await metric('vigil_detect_samples_total')).toBe(120);
    } finally {
      await engine.stop();
    }
  });

  it('replaces a worker that exits, forgetting its backlog so that ingest is not held back for good', { timeout: 20_000 }, async () => {
    const engine = new DetectionEngine({ logger: silentLogger(), registry: new Registry(), workers: 1 });
    await engine.start();
    try {
      let scored = 0;
      engine.onScores((_tenant, s) => {
        for (const x of s) scored += x.timestamps.length;
      });
      engine.push('default', batch(0, 60, noise));
      expect(engine.backlogSamples).toBe(60);
      // The engine's only worker stops as if it had died (the test reaches into the engine for it).
      const worker = (engine as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0];
      await worker?.terminate();
      expect(engine.backlogSamples).toBe(0);
      scored = 0;
      engine.push('default', batch(60, 30, noise));
      for (let i = 0; scored < 30; i++) {
        if (i > 200) throw new Error('the replaced worker scored nothing within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(engine.backlogSamples).toBe(0);
    } finally {
      await engine.stop();
    }
  });

  it('scores pushed samples within 100 ms, emits alert-level anomalies, saves and restores models', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-detect-'));
    dirs.push(dir);
    const engine = new DetectionEngine({ logger: silentLogger(), registry: new Registry(), workers: 2, stateDir: dir });
    await engine.start();
    const anomalies: Anomaly[] = [];
    const scored: ScoredBatch[] = [];
    engine.onAnomaly((a) => anomalies.push(a));
    let waiter: (() => void) | undefined;
    engine.onScores((tenant, s) => {
      expect(tenant).toBe('default');
      scored.push(s);
      waiter?.();
    });
    const next = () => new Promise<void>((res) => (waiter = res));

    // Two days of normal data, then one spike, each as a batch.
    let p = next();
    engine.push('default', batch(0, 2 * 1440, noise));
    await p;
    p = next();
    const started = performance.now();
    engine.push(
      'default',
      batch(2 * 1440, 1, () => 50),
    );
    await p;
    expect(performance.now() - started).toBeLessThan(100);
    const last = scored.at(-1)?.[0];
    expect(last?.series).toBe(seriesKey(labels));
    expect(last?.scores[0]).toBeGreaterThan(0.65);
    expect(last?.learning).toBe(false);
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]?.value).toBe(50);
    expect(anomalies[0]?.detectors[0]).toMatch(/spike|novel/);
    expect(anomalies[0]?.reason).toMatch(/above the expected|outside anything seen/);

    const models = await engine.models('default');
    expect(models).toHaveLength(1);
    expect(models[0]?.samples).toBe(2 * 1440 + 1);
    expect(models[0]?.text).toBe('ready');
    await engine.feedback('default', seriesKey(labels), T0, T0 + MIN, 'expected');
    expect((await engine.models('default'))[0]?.bandFactor).toBe(1.5);
    await expect(engine.feedback('default', 'nope{}', 0, 1, 'expected')).rejects.toThrow(/no detection model/);
    expect(await engine.models('other')).toEqual([]);
    await engine.stop();

    // Warm start: history trains a fresh engine's model without emitting anything.
    const warm = new DetectionEngine({ logger: silentLogger(), workers: 2 });
    await warm.start();
    let emitted = 0;
    warm.onScores(() => emitted++);
    warm.onAnomaly(() => emitted++);
    await warm.train(
      'default',
      batch(0, 2 * 1440, (i) => (i === 2000 ? 50 : noise(i))),
    );
    const trained = await warm.models('default');
    expect(trained[0]?.samples).toBe(2 * 1440);
    expect(trained[0]?.learning).toBe(false);
    expect(emitted).toBe(0);
    await warm.stop();

    const again = new DetectionEngine({ logger: silentLogger(), workers: 1, stateDir: dir });
    await again.start();
    const restored = await again.models('default');
    expect(restored[0]?.samples).toBe(2 * 1440 + 1);
    expect(restored[0]?.bandFactor).toBe(1.5);
    await again.stop();
  });

  it('scores excluded samples (maintenance windows) without learning from them or emitting anomalies', { timeout: 20_000 }, async () => {
    const windowStart = T0 + 2 * 1440 * MIN;
    const seen: Array<[string, string, number]> = [];
    const engine = new DetectionEngine({
      logger: silentLogger(),
      workers: 1,
      exclude: (tenant, l, t) => {
        seen.push([tenant, l.host ?? '', t]);
        return t >= windowStart && t < windowStart + 10 * MIN;
      },
    });
    await engine.start();
    const anomalies: Anomaly[] = [];
    const scored: ScoredBatch[] = [];
    engine.onAnomaly((a) => anomalies.push(a));
    let waiter: (() => void) | undefined;
    engine.onScores((_, s) => {
      scored.push(s);
      waiter?.();
    });
    const next = () => new Promise<void>((res) => (waiter = res));
    let p = next();
    engine.push('default', batch(0, 2 * 1440, noise));
    await p;
    // A spike inside the window is scored (and may be shown) but is not an anomaly and is not learnt.
    p = next();
    engine.push(
      'default',
      batch(2 * 1440, 10, () => 50),
    );
    await p;
    expect(scored.at(-1)?.[0]?.scores[0]).toBeGreaterThan(0.65);
    expect(anomalies).toEqual([]);
    expect((await engine.models('default'))[0]?.samples).toBe(2 * 1440);
    expect(seen.at(-1)).toEqual(['default', 'web-1', windowStart + 9 * MIN]);
    // The same spike after the window pages.
    p = next();
    engine.push(
      'default',
      batch(2 * 1440 + 10, 1, () => 50),
    );
    await p;
    expect(anomalies).toHaveLength(1);
    await engine.stop();
  });

  it("runs each host's multivariate model in the worker of its series, stores its score, saves and restores it", {
    timeout: 30_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-detect-'));
    dirs.push(dir);
    const rows = 2 * 1440;
    const from = rows - 200;
    const h = syntheticHost({ start: T0, stepMs: MIN, rows, seed: 2, decouple: { from, to: from + 60, factor: 0.3, rampRows: 10 } });
    const series = (i: number, n: number): SeriesSamples[] =>
      h.names.map((name, k) => ({
        labels: { ...columnLabels(name), host: 'db-1' },
        timestamps: h.t.slice(i, i + n),
        values: (h.values[k] as number[]).slice(i, i + n),
      }));
    const excluded: number[] = [];
    const engine = new DetectionEngine({
      logger: silentLogger(),
      workers: 3,
      stateDir: dir,
      excludeHost: (_tenant, host, t) => {
        const ex = host === 'db-1' && t === h.t[from - 1];
        if (ex) excluded.push(t);
        return ex;
      },
    });
    await engine.start();
    const hostScores: HostScoredSeries[] = [];
    const anomalies: Anomaly[] = [];
    let waiter: (() => void) | undefined;
    engine.onHostScores((tenant, scored) => {
      expect(tenant).toBe('default');
      hostScores.push(...scored);
      waiter?.();
    });
    engine.onAnomaly((a) => anomalies.push(a));
    await engine.train('default', series(0, from - 1));
    for (let i = from - 1; i < from + 60; i++) {
      const p = new Promise<void>((res) => (waiter = res));
      engine.push('default', series(i, 1));
      await p;
    }
    expect(excluded).toEqual([h.t[from - 1]]);
    expect(hostScores.map((s) => s.host)).toEqual(new Array(61).fill('db-1'));
    expect(Math.max(...hostScores.flatMap((s) => s.scores))).toBeGreaterThanOrEqual(0.65);
    const stored = hostScoreSeries(hostScores);
    expect(stored[0]?.labels).toEqual({ __name__: HOST_SCORE_METRIC, host: 'db-1' });
    const hostAnomalies = anomalies.filter((a) => a.detectors.includes('multivariate'));
    expect(hostAnomalies.length).toBeGreaterThanOrEqual(1);
    expect(hostAnomalies[0]?.labels.host).toBe('db-1');
    const [info] = await engine.hosts('default');
    // Every row but the excluded one was learnt.
    expect(info?.samples).toBe(from - 1 + 60);
    await engine.stop();

    const again = new DetectionEngine({ logger: silentLogger(), workers: 2, stateDir: dir });
    await again.start();
    expect(await again.hosts('default')).toEqual([info]);
    expect((await again.models('default')).map((m) => m.labels.host)).toEqual(new Array(7).fill('db-1'));
    await again.stop();
  });
});
