import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, isStaleNaN, STALE_NAN } from '../core/index.js';
import { longestBlock } from '../core/testing/event-loop-probe.js';
import { storageContract } from './contract.test-suite.js';
import type { Storage } from './interface.js';
import { type EmbeddedStorage, openStorage } from './storage.js';

storageContract('embedded SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
  return {
    open: () => openStorage({ dir }),
    reopen: async (store: Storage) => {
      await store.close();
      return openStorage({ dir });
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('embedded store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const HOUR = 3_600_000;
  const gauge = (t: number) => Math.round(500 + 300 * Math.sin(t / 5_000_000)) / 10;

  async function write(store: Storage, from: number, to: number): Promise<void> {
    for (let t0 = from; t0 < to; t0 += 60 * 30_000) {
      const ts: number[] = [];
      for (let t = t0; t < Math.min(to, t0 + 60 * 30_000); t += 30_000) ts.push(t);
      const res = await store.append('default', [{ labels: { __name__: 'g', host: 'a' }, timestamps: ts, values: ts.map(gauge) }]);
      expect(res.rejected).toEqual([]);
    }
  }

  it('rebuilds pending hourly rollups after a restart and answers hourly steps like raw data', async () => {
    const clock = new FakeClock(0);
    const start = 1_000 * HOUR;
    clock.set(start + 100 * HOUR);
    let store = await openStorage({ dir, clock });
    await write(store, start, start + 20 * HOUR);
    await store.close();
    store = await openStorage({ dir, clock });
    await write(store, start + 20 * HOUR, start + 40 * HOUR);
    const q = { start: start + 2 * HOUR, end: start + 38 * HOUR, step: HOUR };
    for (const agg of ['avg', 'min', 'max', 'count', 'last'] as const) {
      const got = await store.selectStep('default', [{ name: 'host', op: '=', value: 'a' }], { ...q, agg });
      // A 30 s step with a start off the minute grid is always served from raw samples.
      const step30s = await store.selectStep('default', [{ name: 'host', op: '=', value: 'a' }], {
        ...q,
        start: start + 30_000,
        step: 30_000,
        agg: 'last',
      });
      const raw = step30s[0]!;
      const want: number[] = [];
      for (let e = q.start; e <= q.end; e += HOUR) {
        const vs = raw.values.filter((_, i) => raw.timestamps[i]! > e - HOUR && raw.timestamps[i]! <= e);
        if (agg === 'avg') want.push(vs.reduce((a, b) => a + b, 0) / vs.length);
        else if (agg === 'min') want.push(Math.min(...vs));
        else if (agg === 'max') want.push(Math.max(...vs));
        else if (agg === 'count') want.push(vs.length);
        else want.push(vs[vs.length - 1]!);
      }
      const v = got[0]!.values;
      expect(v.length, agg).toBe(want.length);
      for (let i = 0; i < v.length; i++) expect(v[i], `${agg} ${i}`).toBeCloseTo(want[i]!, 9);
    }
    await store.close();
  });

  it('applies retention per resolution in the background: raw goes first, rollups still answer', async () => {
    const clock = new FakeClock(0);
    const start = 1_000 * HOUR;
    clock.set(start + 31 * HOUR);
    const store = (await openStorage({
      dir,
      clock,
      retention: { raw: 50 * HOUR, '1m': 70 * HOUR, '1h': 1000 * HOUR },
      retentionIntervalMs: 10,
    })) as EmbeddedStorage;
    await write(store, start, start + 30 * HOUR);
    const sel = [{ name: 'host', op: '=' as const, value: 'a' }];
    const hourly = { start: start + HOUR, end: start + 5 * HOUR, step: HOUR, agg: 'count' as const };
    const minutely = { start: start + 20 * HOUR, end: start + 21 * HOUR, step: 60_000, agg: 'max' as const };
    expect((await store.select('default', sel, start, start + 2 * HOUR))[0]!.timestamps.length).toBe(241);
    clock.set(start + 60 * HOUR);
    await new Promise((r) => setTimeout(r, 300));
    // Raw samples older than 50 h are gone; the 1m and 1h rollups of that time remain.
    expect(await store.select('default', sel, start, start + 2 * HOUR)).toEqual([]);
    expect((await store.select('default', sel, start + 29 * HOUR, start + 30 * HOUR))[0]!.timestamps.length).toBeGreaterThan(0);
    expect((await store.selectStep('default', sel, minutely))[0]!.timestamps.length).toBe(61);
    expect((await store.selectStep('default', sel, hourly))[0]!.values).toEqual([120, 120, 120, 120, 120]);
    // Ingest goes on while retention runs.
    await write(store, start + 30 * HOUR, start + 31 * HOUR);
    clock.set(start + 100 * HOUR);
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.selectStep('default', sel, minutely)).toEqual([]);
    expect((await store.selectStep('default', sel, hourly))[0]!.values).toEqual([120, 120, 120, 120, 120]);
    await store.close();
  });

  it('merges 1m rollups of closed windows without changing any query answer', async () => {
    const store = (await openStorage({ dir, retentionIntervalMs: 3_600_000 })) as EmbeddedStorage;
    const start = Math.floor(Date.now() / HOUR) * HOUR - 40 * HOUR;
    let c = 0;
    for (let t0 = start; t0 < start + 30 * HOUR; t0 += HOUR) {
      const ts: number[] = [];
      for (let t = t0; t < t0 + HOUR; t += 20_000) ts.push(t);
      const cv = ts.map((t) => {
        c = t === start + 13 * HOUR ? 5 : c + ((t / 20_000) % 11);
        return c;
      });
      await store.append('default', [
        { labels: { __name__: 'g', host: 'a' }, timestamps: ts, values: ts.map(gauge) },
        { labels: { __name__: 'c_total', host: 'a' }, timestamps: ts, values: cv },
      ]);
    }
    const sel = [{ name: 'host', op: '=' as const, value: 'a' }];
    const queries = (['avg', 'min', 'max', 'sum', 'count', 'last', 'rate'] as const).flatMap((agg) => [
      { start: start + HOUR, end: start + 29 * HOUR, step: 5 * 60_000, agg },
      { start: start + HOUR, end: start + 29 * HOUR, step: HOUR, agg },
    ]);
    const before = await Promise.all(queries.map((q) => store.selectStep('default', sel, q)));
    let merged = 0;
    for (let n = store.maintenanceStep(); n > 0; n = store.maintenanceStep()) merged += n;
    expect(merged).toBeGreaterThanOrEqual(6);
    const after = await Promise.all(queries.map((q) => store.selectStep('default', sel, q)));
    for (let i = 0; i < queries.length; i++) {
      expect(after[i]!.map((d) => d.timestamps)).toEqual(before[i]!.map((d) => d.timestamps));
      // rate is checked on the counter only: on a gauge it depends on where rollup buckets were cut (see StepAggregation).
      const keep = (d: { labels: Record<string, string> }) => queries[i]!.agg !== 'rate' || d.labels.__name__ === 'c_total';
      const a = after[i]!.filter(keep).flatMap((d) => d.values);
      const b = before[i]!.filter(keep).flatMap((d) => d.values);
      for (let j = 0; j < a.length; j++) expect(a[j], `${queries[i]!.agg} ${queries[i]!.step} ${j}`).toBeCloseTo(b[j]!, 6);
    }
    await store.close();
  });

  it('gathers raw chunks of closed windows into blocks without changing any raw answer, and keeps them across reopen', async () => {
    let store = (await openStorage({ dir, retentionIntervalMs: 3_600_000 })) as EmbeddedStorage;
    const start = Math.floor(Date.now() / HOUR) * HOUR - 40 * HOUR;
    const ts: number[] = [];
    // 10 s interval with a 20-minute gap every 7 hours, so some lookups land between chunks.
    for (let t = start; t < start + 30 * HOUR; t += 10_000) if ((t - start) % (7 * HOUR) < 6.5 * HOUR) ts.push(t);
    for (let i = 0; i < ts.length; i += 600) {
      const part = ts.slice(i, i + 600);
      await store.append('default', [{ labels: { __name__: 'g', host: 'b' }, timestamps: part, values: part.map(gauge) }]);
    }
    const sel = [{ name: 'host', op: '=' as const, value: 'b' }];
    const probes = [
      start - 1,
      start,
      start + 3 * HOUR + 5_000,
      start + 6.6 * HOUR,
      start + 13 * HOUR,
      start + 29 * HOUR,
      start + 40 * HOUR,
    ];
    const answers = async (s: EmbeddedStorage) => ({
      ranges: await Promise.all([
        s.select('default', sel, start, start + 30 * HOUR),
        s.select('default', sel, start + 5 * HOUR + 1, start + 6 * HOUR + 7_000),
        s.select('default', sel, start + 6.6 * HOUR, start + 6.8 * HOUR),
      ]),
      latest: await Promise.all(probes.map((at) => s.latest('default', sel, at))),
      chunks: (await s.stats()).chunks,
    });
    const before = await answers(store);
    expect(before.ranges[0]![0]!.timestamps).toEqual(ts.filter((t) => t <= (before.ranges[0]![0]!.timestamps.at(-1) ?? 0)));
    let merged = 0;
    for (let n = store.maintenanceStep(); n > 0; n = store.maintenanceStep()) merged += n;
    expect(merged).toBeGreaterThanOrEqual(4);
    expect(await answers(store)).toEqual(before);
    // An old sample sent again is recognised as a duplicate (its chunk is found inside a block), not stored twice.
    const dup = await store.append('default', [
      { labels: { __name__: 'g', host: 'b' }, timestamps: [ts[100]!], values: [gauge(ts[100]!)] },
    ]);
    expect(dup.rejected).toEqual([]);
    const changed = await store.append('default', [{ labels: { __name__: 'g', host: 'b' }, timestamps: [ts[100]!], values: [-1] }]);
    expect(changed.rejected[0]?.reason).toBe('duplicate_timestamp');
    await store.close();
    store = (await openStorage({ dir, retentionIntervalMs: 3_600_000 })) as EmbeddedStorage;
    expect(await answers(store)).toEqual(before);
    await store.close();
  });

  it('keeps staleness markers as markers and never aggregates them as values, raw, sealed or rolled up', async () => {
    const store = (await openStorage({ dir, retentionIntervalMs: 3_600_000 })) as EmbeddedStorage;
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;
    // Two values, a marker, then the series comes back; an ordinary NaN elsewhere stays an ordinary NaN.
    const ts = [t0 + 10_000, t0 + 20_000, t0 + 30_000, t0 + 3 * HOUR, t0 + 3 * HOUR + 10_000];
    const vs = [1, 2, STALE_NAN, 5, 6];
    await store.append('default', [
      { labels: { __name__: 's' }, timestamps: ts, values: vs },
      { labels: { __name__: 'n' }, timestamps: [t0 + 10_000, t0 + 20_000], values: [Number.NaN, STALE_NAN] },
    ]);
    const check = async () => {
      const sel = [{ name: '__name__', op: '=' as const, value: 's' }];
      const [raw] = await store.select('default', sel, t0 + 30_000, t0 + 4 * HOUR);
      expect(raw!.timestamps).toEqual(ts.slice(2));
      expect(isStaleNaN(raw!.values[0]!)).toBe(true);
      const [n] = await store.select('default', [{ name: '__name__', op: '=', value: 'n' }], t0, t0 + HOUR);
      expect(n!.values.map(isStaleNaN)).toEqual([false, true]);
      expect(Number.isNaN(n!.values[0]!)).toBe(true);
      for (const step of [60_000, HOUR]) {
        const q = { start: t0 + step, end: t0 + 4 * HOUR, step, agg: 'count' as const };
        const [count] = await store.selectStep('default', sel, q);
        const [avg] = await store.selectStep('default', sel, { ...q, agg: 'avg' });
        expect(count!.values.reduce((a, b) => a + b, 0)).toBe(4);
        expect(avg!.values[0]).toBe(1.5);
      }
    };
    await check();
    await store.sealAll();
    while (store.maintenanceStep(500) > 0);
    await check();
    await store.close();
  });

  it('reopens after an unclean stop with the head replayed from the WAL', async () => {
    const store = await openStorage({ dir });
    const t0 = Date.now() - HOUR;
    await store.append('default', [{ labels: { __name__: 'm' }, timestamps: [t0, t0 + 1000], values: [1, 2] }]);
    // Simulate a crash: a second instance opens the same files without the first one closing.
    const again = await openStorage({ dir });
    const out = await again.select('default', [{ name: '__name__', op: '=', value: 'm' }], 0, t0 + HOUR);
    expect(out[0]!.values).toEqual([1, 2]);
    await again.close();
  });
});

describe('embedded store catalogue', () => {
  it('keeps series that only the WAL knows across unclean stops, numbering new ones after them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
    const withDb = <T>(f: (db: Database.Database) => T): T => {
      const db = new Database(join(dir, 'vigil.db'));
      try {
        return f(db);
      } finally {
        db.close();
      }
    };
    const catalogue = (sql: string) => withDb((db) => db.exec(sql));
    const rows = () =>
      withDb((db) =>
        (db.prepare('SELECT id, labels FROM series ORDER BY id').all() as { id: number; labels: string }[]).map((r) => [r.id, r.labels]),
      );
    try {
      const t0 = Date.now() - 3_600_000;
      const first = await openStorage({ dir, retentionIntervalMs: 3_600_000 });
      await first.append('default', [{ labels: { __name__: 'a', host: 'x' }, timestamps: [t0], values: [1] }]);
      // The catalogue row is written in a batch after the WAL record; a crash in between leaves only the WAL.
      catalogue('DELETE FROM series');
      const second = await openStorage({ dir, retentionIntervalMs: 3_600_000 });
      expect(rows()).toEqual([[1, '{"__name__":"a","host":"x"}']]);
      await second.append('acme', [{ labels: { __name__: 'b' }, timestamps: [t0 + 1000], values: [2] }]);
      catalogue('DELETE FROM series WHERE id = 2');
      const third = await openStorage({ dir, retentionIntervalMs: 3_600_000 });
      expect(rows()).toEqual([
        [1, '{"__name__":"a","host":"x"}'],
        [2, '{"__name__":"b"}'],
      ]);
      expect((await third.select('default', [{ name: 'host', op: '=', value: 'x' }], 0, t0 + 10_000))[0]?.values).toEqual([1]);
      expect((await third.select('acme', [{ name: '__name__', op: '=', value: 'b' }], 0, t0 + 10_000))[0]?.values).toEqual([2]);
      expect(await third.select('default', [{ name: '__name__', op: '=', value: 'b' }], 0, t0 + 10_000)).toEqual([]);
      // New series are numbered after those recreated from the WAL.
      await third.append('default', [{ labels: { __name__: 'c' }, timestamps: [t0], values: [3] }]);
      await third.close();
      expect(rows().map((r) => r[0])).toEqual([1, 2, 3]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded store checkpoints', () => {
  it('holds the event loop for one slice of heads at a time, not for all of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
    try {
      const store = await openStorage({ dir, retentionIntervalMs: 3_600_000, checkpointSliceSeries: 2000 });
      const t0 = Date.now() - 3_600_000;
      for (let s0 = 0; s0 < 40_000; s0 += 1000) {
        const batch = Array.from({ length: 1000 }, (_, k) => ({
          labels: { __name__: 'm', i: String(s0 + k) },
          timestamps: Array.from({ length: 20 }, (_, j) => t0 + j * 15_000),
          values: Array.from({ length: 20 }, (_, j) => (s0 + k + j) % 97),
        }));
        await store.append('default', batch);
      }
      const sliced = await longestBlock(() => (store as EmbeddedStorage).checkpointInSlices());
      // close() checkpoints every head at once.
      const whole = await longestBlock(() => store.close());
      // 40,000 heads at once against 2,000 at a time (main-thread CPU time between two timer turns).
      expect(sliced).toBeLessThan(whole / 4);
      expect(sliced).toBeLessThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every acknowledged sample at any moment of a checkpoint made in slices while appends go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
    const copies: string[] = [];
    try {
      // A checkpoint every few kilobytes of WAL, snapshotting 7 heads per turn of the event loop: most appends
      // below land while one is under way.
      const store = await openStorage({ dir, walCheckpointBytes: 4096, checkpointSliceSeries: 7, retentionIntervalMs: 3_600_000 });
      const t0 = Date.now() - 3_600_000;
      const acked = new Map<string, number[]>();
      let duringCheckpoint = 0;
      for (let round = 0; round < 40; round++) {
        const batch = Array.from({ length: 50 }, (_, i) => ({
          labels: { __name__: 'm', i: String((i * 7 + round) % 60) },
          timestamps: [t0 + round * 1000],
          values: [round * 100 + i],
        }));
        const res = await store.append('default', batch);
        expect(res.rejected).toEqual([]);
        for (const b of batch) acked.set(b.labels.i, [...(acked.get(b.labels.i) ?? []), b.timestamps[0] as number]);
        // A crash now: a copy of the files as they are, opened by another instance.
        if (round % 4 === 3) {
          if ((store as unknown as { checkpointRun?: Promise<void> }).checkpointRun !== undefined) duringCheckpoint++;
          const copy = mkdtempSync(join(tmpdir(), 'vigil-tsdb-copy-'));
          copies.push(copy);
          cpSync(dir, copy, { recursive: true });
          const again = await openStorage({ dir: copy, retentionIntervalMs: 3_600_000 });
          const got = await again.select('default', [{ name: '__name__', op: '=', value: 'm' }], 0, t0 + 3_600_000);
          const byI = new Map(got.map((s) => [s.labels.i, s.timestamps]));
          for (const [i, ts] of acked) expect(byI.get(i), `series ${i} after round ${round}`).toEqual([...ts].sort((a, b) => a - b));
          await again.close();
        }
      }
      // The copies must have caught checkpoints half done, or this test shows nothing.
      expect(duringCheckpoint).toBeGreaterThan(0);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const c of copies) rmSync(c, { recursive: true, force: true });
    }
  });
});

describe('embedded store metrics', () => {
  it('counts appended and rejected samples in the given registry, also across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
    const registry = new Registry();
    try {
      let store = await openStorage({ dir, registry });
      const t = Date.now();
      await store.append('default', [{ labels: { __name__: 'm' }, timestamps: [t, t + 1000], values: [1, 2] }]);
      await store.close();
      store = await openStorage({ dir, registry });
      await store.append('default', [{ labels: { __name__: 'm' }, timestamps: [t - 3_600_000, t + 2000], values: [0, 3] }]);
      await store.close();
      const text = await registry.metrics();
      expect(text).toMatch(/vigil_tsdb_samples_appended_total 3/);
      expect(text).toMatch(/vigil_tsdb_samples_rejected_total\{reason="too_old"\} 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
