import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVigilError, type Labels, type SeriesSamples } from '../core/index.js';
import type { SeriesData, StepAggregation, Storage } from './interface.js';

/** What a storage implementation provides to run the contract suite. */
export interface ContractHarness {
  /** Opens a fresh, empty store with a 10-minute out-of-order window. */
  open(): Promise<Storage>;
  /** Closes `store` and opens the same data again. */
  reopen(store: Storage): Promise<Storage>;
  /** Removes everything the harness created (the store is already closed or will be closed by it). */
  cleanup(): Promise<void>;
}

const MIN = 60_000;
const HOUR = 3_600_000;
/** An hour-aligned base time three days ago, well inside any default retention. */
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 72 * HOUR;

function series(labels: Labels, samples: [number, number][]): SeriesSamples {
  return { labels, timestamps: samples.map((s) => s[0]), values: samples.map((s) => s[1]) };
}

function byName(data: SeriesData[]): Map<string, SeriesData> {
  return new Map(data.map((d) => [JSON.stringify(d.labels), d]));
}

/** Reference step aggregation computed the plain way, to check the store (raw or rollup path) against. */
function referenceStep(ts: number[], vs: number[], start: number, end: number, step: number, agg: StepAggregation): [number, number][] {
  const out: [number, number][] = [];
  let lo = 0;
  for (let e = start; e <= end; e += step) {
    while (lo < ts.length && ts[lo]! <= e - step) lo++;
    const idx: number[] = [];
    for (let i = lo; i < ts.length && ts[i]! <= e; i++) idx.push(i);
    if (idx.length === 0) continue;
    const vals = idx.map((i) => vs[i]!);
    let v: number;
    if (agg === 'rate') {
      let inc = 0;
      let pairs = 0;
      for (const i of idx) {
        if (i === 0) continue;
        const prev = vs[i - 1]!;
        const cur = vs[i]!;
        inc += cur >= prev ? cur - prev : cur;
        pairs++;
      }
      if (pairs === 0) continue;
      v = inc / (step / 1000);
    } else if (agg === 'avg') v = vals.reduce((a, b) => a + b, 0) / vals.length;
    else if (agg === 'sum') v = vals.reduce((a, b) => a + b, 0);
    else if (agg === 'min') v = Math.min(...vals);
    else if (agg === 'max') v = Math.max(...vals);
    else if (agg === 'count') v = vals.length;
    else v = vals[vals.length - 1]!;
    out.push([e, v]);
  }
  return out;
}

/**
 * The storage contract: every Storage implementation (embedded SQLite, PostgreSQL) runs this suite
 * through its own test file, e.g. `storageContract('embedded', async () => harness)`.
 */
export function storageContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`storage contract: ${name}`, () => {
    let h: ContractHarness;
    let store: Storage;

    beforeEach(async () => {
      h = await makeHarness();
      store = await h.open();
    });

    afterEach(async () => {
      await store.close();
      await h.cleanup();
    });

    it('stores and returns raw samples, including NaN, ±Inf and -0, in ascending time', async () => {
      const cpu = { __name__: 'node_cpu_ratio', host: 'a' };
      const res = await store.append('t1', [
        series(cpu, [
          [T0 + 1000, 0.5],
          [T0 + 2000, Number.NaN],
          [T0 + 3000, Number.POSITIVE_INFINITY],
          [T0 + 4000, Number.NEGATIVE_INFINITY],
          [T0 + 5000, -0],
          [T0 + 6000, 1.7976931348623157e308],
        ]),
      ]);
      expect(res).toEqual({ accepted: 6, rejected: [] });
      const out = await store.select('t1', [{ name: '__name__', op: '=', value: 'node_cpu_ratio' }], T0, T0 + 10_000);
      expect(out).toHaveLength(1);
      expect(out[0]!.labels).toEqual(cpu);
      expect(out[0]!.timestamps).toEqual([1000, 2000, 3000, 4000, 5000, 6000].map((d) => T0 + d));
      const v = out[0]!.values;
      expect(v[0]).toBe(0.5);
      expect(Number.isNaN(v[1])).toBe(true);
      expect(v[2]).toBe(Number.POSITIVE_INFINITY);
      expect(v[3]).toBe(Number.NEGATIVE_INFINITY);
      expect(Object.is(v[4], -0)).toBe(true);
      expect(v[5]).toBe(1.7976931348623157e308);
      const inner = await store.select('t1', [{ name: 'host', op: '=', value: 'a' }], T0 + 2000, T0 + 3000);
      expect(inner[0]!.timestamps).toEqual([T0 + 2000, T0 + 3000]);
    });

    it('treats label order and empty label values as the same series', async () => {
      await store.append('t1', [series({ host: 'a', __name__: 'm', empty: '' }, [[T0, 1]])]);
      await store.append('t1', [series({ __name__: 'm', host: 'a' }, [[T0 + 1000, 2]])]);
      const refs = await store.series('t1', [{ name: '__name__', op: '=', value: 'm' }]);
      expect(refs).toHaveLength(1);
      expect(refs[0]!.labels).toEqual({ __name__: 'm', host: 'a' });
    });

    it('rejects samples outside the out-of-order window with typed reasons and accepts identical replays once', async () => {
      const l = { __name__: 'm', host: 'a' };
      await store.append('t1', [series(l, [[T0 + 20 * MIN, 1]])]);
      const res = await store.append('t1', [
        series(l, [
          [T0 + 15 * MIN, 2], // inside the 10-minute window: stored
          [T0 + 5 * MIN, 3], // 15 minutes behind: too old
          [T0 + 20 * MIN, 1], // identical replay: accepted, stored once
          [T0 + 20 * MIN, 9], // same time, other value
        ]),
      ]);
      expect(res.accepted).toBe(2);
      expect(res.rejected).toEqual([
        { series: 0, sample: 1, reason: 'too_old' },
        { series: 0, sample: 3, reason: 'duplicate_timestamp' },
      ]);
      const again = await store.append('t1', [series(l, [[T0 + 15 * MIN, 2]])]);
      expect(again).toEqual({ accepted: 1, rejected: [] });
      const out = await store.select('t1', [{ name: 'host', op: '=', value: 'a' }], T0, T0 + HOUR);
      expect(out[0]!.timestamps).toEqual([T0 + 15 * MIN, T0 + 20 * MIN]);
      expect(out[0]!.values).toEqual([2, 1]);
    });

    it('rejects bad timestamps and mismatched arrays per sample, storing the rest of the batch', async () => {
      const res = await store.append('t1', [
        series({ __name__: 'm', host: 'a' }, [
          [T0, 1],
          [-5, 2],
          [T0 + 0.5, 3],
          [T0 + 1000, 4],
        ]),
        { labels: { __name__: 'm', host: 'b' }, timestamps: [T0, T0 + 1], values: [1] },
      ]);
      expect(res.accepted).toBe(2);
      expect(res.rejected.map((r) => [r.series, r.sample, r.reason])).toEqual([
        [0, 1, 'bad_timestamp'],
        [0, 2, 'bad_timestamp'],
        [1, 0, 'bad_value'],
        [1, 1, 'bad_value'],
      ]);
    });

    it('never shows one tenant the series of another', async () => {
      const l = { __name__: 'secret_metric', host: 'x', team: 'red' };
      await store.append('alpha', [series(l, [[T0, 42]])]);
      await store.append('beta', [series({ __name__: 'other', host: 'y' }, [[T0, 1]])]);
      const all = [{ name: '__name__', op: '=~' as const, value: '.+' }];
      expect(await store.series('beta', all)).toHaveLength(1);
      expect((await store.series('beta', all))[0]!.labels.__name__).toBe('other');
      expect(await store.select('beta', [{ name: '__name__', op: '=', value: 'secret_metric' }], 0, T0 + HOUR)).toEqual([]);
      expect(
        await store.selectStep('beta', [{ name: 'host', op: '=', value: 'x' }], { start: T0, end: T0 + MIN, step: MIN, agg: 'last' }),
      ).toEqual([]);
      expect(await store.latest('beta', [{ name: 'host', op: '=', value: 'x' }])).toEqual([]);
      expect(await store.labelNames('beta')).toEqual(['__name__', 'host']);
      expect(await store.labelValues('beta', 'team')).toEqual([]);
      expect(await store.labelValues('beta', '__name__')).toEqual(['other']);
      expect(await store.series('gamma', all)).toEqual([]);
      // The same labels under two tenants are two series.
      await store.append('beta', [series(l, [[T0, 7]])]);
      const a = await store.latest('alpha', [{ name: 'host', op: '=', value: 'x' }]);
      const b = await store.latest('beta', [{ name: 'host', op: '=', value: 'x' }]);
      expect(a.map((s) => s.v)).toEqual([42]);
      expect(b.map((s) => s.v)).toEqual([7]);
    });

    it('selects with =, !=, =~, !~ and ="" matchers', async () => {
      await store.append('t1', [
        series({ __name__: 'disk_free_bytes', host: 'web-1', mount: '/' }, [[T0, 1]]),
        series({ __name__: 'disk_free_bytes', host: 'web-2', mount: '/data' }, [[T0, 2]]),
        series({ __name__: 'disk_free_bytes', host: 'db-1' }, [[T0, 3]]),
        series({ __name__: 'load1', host: 'web-1' }, [[T0, 4]]),
      ]);
      const hosts = async (ms: Parameters<Storage['series']>[1]) =>
        (await store.series('t1', ms)).map((r) => `${r.labels.__name__}/${r.labels.host}`).sort();
      const disk = { name: '__name__', op: '=' as const, value: 'disk_free_bytes' };
      expect(await hosts([disk])).toEqual(['disk_free_bytes/db-1', 'disk_free_bytes/web-1', 'disk_free_bytes/web-2']);
      expect(await hosts([disk, { name: 'host', op: '!=', value: 'web-1' }])).toEqual(['disk_free_bytes/db-1', 'disk_free_bytes/web-2']);
      expect(await hosts([{ name: 'host', op: '=~', value: 'web-.*' }])).toEqual([
        'disk_free_bytes/web-1',
        'disk_free_bytes/web-2',
        'load1/web-1',
      ]);
      expect(await hosts([{ name: 'host', op: '=~', value: 'web' }])).toEqual([]);
      expect(await hosts([disk, { name: 'host', op: '!~', value: 'web-.*' }])).toEqual(['disk_free_bytes/db-1']);
      expect(await hosts([disk, { name: 'mount', op: '=', value: '' }])).toEqual(['disk_free_bytes/db-1']);
      expect(await hosts([{ name: 'mount', op: '=~', value: '.+' }])).toEqual(['disk_free_bytes/web-1', 'disk_free_bytes/web-2']);
      expect(await store.labelNames('t1')).toEqual(['__name__', 'host', 'mount']);
      expect(await store.labelNames('t1', [{ name: '__name__', op: '=', value: 'load1' }])).toEqual(['__name__', 'host']);
      expect(await store.labelValues('t1', 'host')).toEqual(['db-1', 'web-1', 'web-2']);
      expect(await store.labelValues('t1', 'host', [{ name: 'mount', op: '=~', value: '.+' }])).toEqual(['web-1', 'web-2']);
      const ids = (await store.series('t1', [disk])).map((r) => r.id);
      expect(new Set(ids).size).toBe(3);
    });

    it('filters series by time range', async () => {
      await store.append('t1', [
        series({ __name__: 'old', host: 'a' }, [[T0, 1]]),
        series({ __name__: 'new', host: 'a' }, [[T0 + 10 * HOUR, 1]]),
      ]);
      const inRange = await store.series('t1', [{ name: 'host', op: '=', value: 'a' }], { start: T0 + 5 * HOUR, end: T0 + 20 * HOUR });
      expect(inRange.map((r) => r.labels.__name__)).toEqual(['new']);
    });

    it('aggregates per step, buckets closed on the right, with counter resets for rate', async () => {
      const c = { __name__: 'requests_total', host: 'a' };
      await store.append('t1', [
        series(c, [
          [T0 + 10_000, 0],
          [T0 + 20_000, 10],
          [T0 + 30_000, 20],
          [T0 + 40_000, 30],
          [T0 + 50_000, 5],
          [T0 + 60_000, 15],
        ]),
      ]);
      const q = { start: T0 + 30_000, end: T0 + 60_000, step: 30_000 };
      const get = async (agg: StepAggregation) =>
        (await store.selectStep('t1', [{ name: 'host', op: '=', value: 'a' }], { ...q, agg }))[0]!;
      const rate = await get('rate');
      expect(rate.timestamps).toEqual([T0 + 30_000, T0 + 60_000]);
      expect(rate.values[0]).toBeCloseTo(20 / 30, 12);
      expect(rate.values[1]).toBeCloseTo(25 / 30, 12);
      expect((await get('avg')).values).toEqual([10, 50 / 3]);
      expect((await get('min')).values).toEqual([0, 5]);
      expect((await get('max')).values).toEqual([20, 30]);
      expect((await get('sum')).values).toEqual([30, 50]);
      expect((await get('count')).values).toEqual([3, 3]);
      expect((await get('last')).values).toEqual([20, 15]);
      const one = await store.selectStep('t1', [{ name: 'host', op: '=', value: 'a' }], {
        start: T0 + 45_000,
        end: T0 + 45_000,
        step: 10_000,
        agg: 'last',
      });
      expect(one[0]!.timestamps).toEqual([T0 + 45_000]);
      expect(one[0]!.values).toEqual([30]);
    });

    it('returns the latest sample per series, optionally as of a time', async () => {
      await store.append('t1', [
        series({ __name__: 'm', host: 'a' }, [
          [T0, 1],
          [T0 + MIN, 2],
        ]),
        series({ __name__: 'm', host: 'b' }, [[T0 + 2 * MIN, 3]]),
      ]);
      const now = await store.latest('t1', [{ name: '__name__', op: '=', value: 'm' }]);
      expect(now.map((s) => [s.labels.host, s.t, s.v]).sort()).toEqual([
        ['a', T0 + MIN, 2],
        ['b', T0 + 2 * MIN, 3],
      ]);
      const then = await store.latest('t1', [{ name: '__name__', op: '=', value: 'm' }], T0 + 30_000);
      expect(then.map((s) => [s.labels.host, s.t, s.v])).toEqual([['a', T0, 1]]);
    });

    it('serves long histories (sealed chunks and rollups) exactly like a plain computation, and keeps them across reopen', async () => {
      const g = { __name__: 'node_cpu_ratio', host: 'long' };
      const c = { __name__: 'node_network_receive_bytes_total', host: 'long' };
      const ts: number[] = [];
      const gv: number[] = [];
      const cv: number[] = [];
      let counter = 1e9;
      for (let t = T0; t < T0 + 50 * HOUR; t += 15_000) {
        ts.push(t);
        gv.push(Math.round((50 + 30 * Math.sin(t / 7_200_000) + ((t / 15_000) % 7)) * 10) / 10);
        counter = t === T0 + 20 * HOUR ? 1000 : counter + ((t / 15_000) % 13) * 1000;
        cv.push(counter);
      }
      for (let i = 0; i < ts.length; i += 500) {
        await store.append('t1', [
          { labels: g, timestamps: ts.slice(i, i + 500), values: gv.slice(i, i + 500) },
          { labels: c, timestamps: ts.slice(i, i + 500), values: cv.slice(i, i + 500) },
        ]);
      }
      const check = async (st: Storage) => {
        const raw = byName(await st.select('t1', [{ name: 'host', op: '=', value: 'long' }], T0 + HOUR + 1, T0 + 40 * HOUR));
        const graw = raw.get(JSON.stringify(g))!;
        const lo = ts.findIndex((t) => t >= T0 + HOUR + 1);
        const hi = ts.findIndex((t) => t > T0 + 40 * HOUR);
        expect(graw.timestamps).toEqual(ts.slice(lo, hi));
        expect(graw.values).toEqual(gv.slice(lo, hi));
        for (const step of [MIN, 5 * MIN, HOUR, 2 * HOUR, 45_000]) {
          for (const agg of ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate'] as StepAggregation[]) {
            const q = { start: T0 + 2 * HOUR, end: T0 + 49 * HOUR, step, agg };
            const got = byName(await st.selectStep('t1', [{ name: 'host', op: '=', value: 'long' }], q));
            for (const [labels, vals] of [
              [g, gv],
              [c, cv],
            ] as const) {
              // rate is defined for counters; on a gauge a rollup-served rate only sees resets between buckets.
              if (agg === 'rate' && labels === g) continue;
              const want = referenceStep(ts, vals, q.start, q.end, step, agg);
              const d = got.get(JSON.stringify(labels))!;
              expect(d.timestamps, `${agg} ${step}`).toEqual(want.map((w) => w[0]));
              const wrong: string[] = [];
              for (let i = 0; i < want.length; i++) {
                const w = want[i]![1];
                if (!(Math.abs(d.values[i]! - w) <= Math.abs(w) * 1e-9 + 1e-9))
                  wrong.push(`${agg} step ${step} @${i}: ${d.values[i]} ≠ ${w}`);
              }
              expect(wrong.slice(0, 5)).toEqual([]);
            }
          }
        }
      };
      await check(store);
      store = await h.reopen(store);
      await check(store);
      const stats = await store.stats();
      expect(stats.series).toBe(2);
      expect(stats.chunks).toBeGreaterThan(0);
      expect(stats.diskBytes).toBeGreaterThan(0);
    });

    it('accepts concurrent appends and loses none of them', async () => {
      const jobs: Promise<unknown>[] = [];
      for (let w = 0; w < 20; w++) {
        for (let b = 0; b < 10; b++) {
          const samples: [number, number][] = [];
          for (let i = 0; i < 30; i++) samples.push([T0 + (b * 30 + i) * 1000, w * 1000 + b * 30 + i]);
          jobs.push(store.append('t1', [series({ __name__: 'm', worker: String(w) }, samples)]));
        }
      }
      await Promise.all(jobs);
      const out = await store.select('t1', [{ name: '__name__', op: '=', value: 'm' }], 0, T0 + HOUR);
      expect(out).toHaveLength(20);
      for (const d of out) expect(d.timestamps).toHaveLength(300);
      store = await h.reopen(store);
      const again = await store.select('t1', [{ name: '__name__', op: '=', value: 'm' }], 0, T0 + HOUR);
      expect(again.map((d) => d.values)).toEqual(out.map((d) => d.values));
    });

    it('fails every call after close with STORAGE_CLOSED', async () => {
      await store.close();
      await expect(store.append('t1', [series({ __name__: 'm' }, [[T0, 1]])])).rejects.toSatisfy((e: unknown) =>
        isVigilError(e, 'STORAGE_CLOSED'),
      );
      await expect(store.select('t1', [], 0, 1)).rejects.toSatisfy((e: unknown) => isVigilError(e, 'STORAGE_CLOSED'));
    });
  });
}
