import { describe, expect, it } from 'vitest';
import { bridgeGaps, windowedRate } from './step-series.js';

/** What the store's `rate` step aggregation answers: per bucket (t − step, t], the increases of the sample pairs ending in it, per second of step. */
function perBucketRates(samples: [number, number][], grid: number[], step: number): number[] {
  return grid.map((end) => {
    let inc = 0;
    let any = false;
    for (let i = 1; i < samples.length; i++) {
      const [t, v] = samples[i]!;
      if (t <= end - step || t > end) continue;
      const prev = samples[i - 1]![1];
      inc += v >= prev ? v - prev : v;
      any = true;
    }
    return any ? inc / (step / 1000) : Number.NaN;
  });
}

/** A counter growing 2 per second, sampled every `every` ms over [from, to]. */
function counter(from: number, to: number, every: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = from; t <= to; t += every) out.push([t, 1000 + (2 * t) / 1000]);
  return out;
}

const grid = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, k) => from + k * step);

describe('windowed counter rate from per-bucket rates', () => {
  it('is exact when samples (every 15 s) are sparser than the step (10 s), where single buckets swing between empty and 3', () => {
    const step = 10_000;
    const g = grid(0, 600_000, step);
    const per = perBucketRates(counter(0, 600_000, 15_000), g, step);
    expect(new Set(per.slice(6).map((x) => (Number.isNaN(x) ? 'empty' : x)))).toEqual(new Set([3, 'empty']));
    const r = windowedRate(per, step, 60_000);
    // From the first whole window on, every point is the true rate.
    for (const x of r.slice(7)) expect(x).toBeCloseTo(2, 9);
  });

  it('is the per-bucket rate itself when the step is the window', () => {
    const step = 180_000;
    const g = grid(0, 3_600_000, step);
    const per = perBucketRates(counter(0, 3_600_000, 10_000), g, step);
    expect(windowedRate(per, step, step).slice(1)).toEqual(per.slice(1));
  });

  it('leaves out the bucket after an outage instead of charging it with the increase of the whole outage', () => {
    const step = 10_000;
    const samples = [...counter(0, 300_000, 15_000), ...counter(900_000, 1_200_000, 15_000)];
    const r = windowedRate(perBucketRates(samples, grid(0, 1_200_000, step), step), step, 60_000);
    for (const x of r) if (Number.isFinite(x)) expect(x).toBeLessThanOrEqual(2 + 1e-9);
    // Nothing to count in the middle of the outage, the true rate again a window after it.
    expect(r[60]).toBeNaN();
    for (const x of r.slice(97)) expect(x).toBeCloseTo(2, 9);
  });
});

describe('gap bridging', () => {
  it('draws across gaps up to the limit and breaks the line at longer ones', () => {
    const xs = grid(0, 600_000, 10_000);
    const col: (number | null | undefined)[] = xs.map(() => null);
    col[0] = 1;
    col[2] = 2; // one missing point: bridged
    col[40] = 3; // 380 s without a sample: a gap
    col[41] = 4;
    bridgeGaps(xs, col, 300_000);
    expect(col[1]).toBeUndefined();
    expect(col.slice(3, 40).every((v) => v === null)).toBe(true);
    expect(col.slice(42).every((v) => v === null)).toBe(true);
  });
});
