import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../core/index.js';
import { ScoreSeriesBuilder, scoreSeries } from './score-series.js';

const scored = { labels: { __name__: 'cpu', host: 'a' }, timestamps: [1000, 2000], scores: [0.1, 0.9], lower: [1, 2], upper: [3, 4] };

describe('scoreSeries', () => {
  it("stores a series' scores and bands as three series named after it", () => {
    expect(scoreSeries([scored])).toEqual([
      { labels: { __name__: 'vigil_anomaly_score', host: 'a', metric: 'cpu' }, timestamps: [1000, 2000], values: [0.1, 0.9] },
      { labels: { __name__: 'vigil_expected_lower', host: 'a', metric: 'cpu' }, timestamps: [1000, 2000], values: [1, 2] },
      { labels: { __name__: 'vigil_expected_upper', host: 'a', metric: 'cpu' }, timestamps: [1000, 2000], values: [3, 4] },
    ]);
    expect(scoreSeries([{ ...scored, timestamps: [], scores: [], lower: [], upper: [] }])).toEqual([]);
  });

  it('ends the three with a staleness marker where the scored series ended, also when nothing else was scored', () => {
    const out = scoreSeries([{ ...scored, endedAt: 3000 }]);
    expect(out.map((s) => s.timestamps)).toEqual([
      [1000, 2000, 3000],
      [1000, 2000, 3000],
      [1000, 2000, 3000],
    ]);
    expect(out.map((s) => s.values.map(isStaleNaN))).toEqual([
      [false, false, true],
      [false, false, true],
      [false, false, true],
    ]);
    expect(out[0]?.values.slice(0, 2)).toEqual([0.1, 0.9]);
    const only = scoreSeries([{ ...scored, timestamps: [], scores: [], lower: [], upper: [], endedAt: 5000 }]);
    expect(only.map((s) => [s.labels.__name__, s.timestamps, s.values.map(isStaleNaN)])).toEqual([
      ['vigil_anomaly_score', [5000], [true]],
      ['vigil_expected_lower', [5000], [true]],
      ['vigil_expected_upper', [5000], [true]],
    ]);
  });

  it('gives the store the same frozen, canonical label sets batch after batch, per tenant', () => {
    const builder = new ScoreSeriesBuilder();
    const a = builder.build('t1', [{ ...scored, series: 'cpu{host="a"}' }]);
    const b = builder.build('t1', [{ ...scored, labels: { host: 'a', __name__: 'cpu' }, series: 'cpu{host="a"}' }]);
    const other = builder.build('t2', [{ ...scored, series: 'cpu{host="a"}' }]);
    expect(a.map((s) => s.labels)).toEqual(scoreSeries([scored]).map((s) => s.labels));
    for (let i = 0; i < 3; i++) {
      expect(b[i]?.labels).toBe(a[i]?.labels);
      expect(other[i]?.labels).not.toBe(a[i]?.labels);
      expect(Object.isFrozen(a[i]?.labels)).toBe(true);
      expect(Object.keys(a[i]?.labels ?? {})).toEqual(['__name__', 'host', 'metric']);
    }
  });
});
