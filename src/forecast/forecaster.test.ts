import { describe, expect, it } from 'vitest';
import { augursOffTheShelf } from './baselines.js';
import { forecastSeries } from './forecaster.js';
import { detectSeasonality } from './seasonality.js';
import { seededRandom } from './testing/scenarios.js';

const STEP = 3_600_000;

function noisyDaily(n: number, seed: number, sd = 0.3): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => 10 + Math.sin((2 * Math.PI * i) / 24) + (r() + r() + r() + r() - 2) * sd * Math.sqrt(3));
}

describe('seasonality detection', () => {
  it('finds the daily period of a noisy hourly sine and nothing else', () => {
    const p = detectSeasonality(noisyDaily(336, 1), STEP);
    expect(p.map((x) => x.steps)).toEqual([24]);
  });

  it('does not count a daily pattern made of hour-long steps as an hourly cycle too', () => {
    // 5-minute steps, value constant within each hour, shape repeating daily
    const y = Array.from({ length: 288 * 8 }, (_, i) => 20 + 60 * Math.max(0, Math.sin((2 * Math.PI * Math.floor(i / 12)) / 24)));
    expect(detectSeasonality(y, 300_000).map((p) => p.steps)).toEqual([288]);
  });

  it('finds no period in noise', () => {
    const r = seededRandom(3);
    const y = Array.from({ length: 500 }, () => r());
    expect(detectSeasonality(y, STEP)).toEqual([]);
  });
});

describe('forecastSeries', () => {
  it('forecasts a flat series as flat with a zero-width interval when it never moved', () => {
    const f = forecastSeries({ values: new Array(600).fill(42), stepMs: 300_000, horizon: 12 });
    expect(f.model).toBe('flat');
    expect(f.point).toEqual(new Array(12).fill(42));
    expect(f.lower).toEqual(new Array(12).fill(42));
    expect(f.upper).toEqual(new Array(12).fill(42));
  });

  it('does better than augurs off the shelf, whose interval on a constant series excludes the constant', () => {
    const flat = { values: new Array(600).fill(42), stepMs: 300_000, horizon: 12 };
    const theirs = augursOffTheShelf(flat);
    const excluded = theirs.point.some((_, i) => 42 < (theirs.lower?.[i] as number) || 42 > (theirs.upper?.[i] as number));
    expect(excluded || theirs.point.some((p) => p !== 42)).toBe(true);
    const ours = forecastSeries(flat);
    expect(ours.point.every((p, i) => p === 42 && (ours.lower[i] as number) <= 42 && (ours.upper[i] as number) >= 42)).toBe(true);
  });

  it('keeps an honest interval for a series that is flat now but moved before', () => {
    const r = seededRandom(4);
    const values = [...Array.from({ length: 1200 }, () => 40 + 4 * r()), ...new Array(600).fill(42)];
    const f = forecastSeries({ values, stepMs: 300_000, horizon: 6 });
    expect(f.model).toBe('flat');
    expect(f.point.every((p) => p === 42)).toBe(true);
    expect(f.upper[5] as number).toBeGreaterThan(42);
    expect(f.lower[5] as number).toBeLessThan(42);
  });

  it('follows a daily cycle and its 80% interval covers roughly 80% of new noisy values', () => {
    let inside = 0;
    let err = 0;
    let total = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const all = noisyDaily(336 + 48, seed);
      const f = forecastSeries({ values: all.slice(0, 336), stepMs: STEP, horizon: 48 });
      expect(f.model).toBe('mstl');
      for (let i = 0; i < 48; i++) {
        const a = all[336 + i] as number;
        if (a >= (f.lower[i] as number) && a <= (f.upper[i] as number)) inside++;
        err += Math.abs(a - (f.point[i] as number));
        total++;
      }
    }
    // noise sd 0.3: a perfect forecast has a mean absolute error of about 0.24
    expect(err / total).toBeLessThan(0.32);
    expect(inside / total).toBeGreaterThan(0.68);
    expect(inside / total).toBeLessThan(0.92);
  });

  it('returns exactly `horizon` steps with lower ≤ point ≤ upper', () => {
    const f = forecastSeries({ values: noisyDaily(200, 9), stepMs: STEP, horizon: 30 });
    expect(f.point).toHaveLength(30);
    for (let i = 0; i < 30; i++) {
      expect(f.lower[i] as number).toBeLessThanOrEqual(f.point[i] as number);
      expect(f.upper[i] as number).toBeGreaterThanOrEqual(f.point[i] as number);
    }
  });

  it('copes with gaps (NaN) and very short histories', () => {
    const v = noisyDaily(100, 2).map((x, i) => (i % 10 === 3 ? Number.NaN : x));
    expect(forecastSeries({ values: v, stepMs: STEP, horizon: 5 }).point.every(Number.isFinite)).toBe(true);
    const short = forecastSeries({ values: [1, 2, 3], stepMs: STEP, horizon: 2 });
    expect(short.point).toEqual([3, 3]);
  });
});
