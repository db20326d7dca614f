import { describe, expect, it } from 'vitest';
import { packScores, unpackScores } from './packed-scores.js';
import type { ScoredBatch, WorkItem } from './protocol.js';

const item = (series: string, timestamps: number[], endedAt?: number): WorkItem => ({
  series,
  labels: { __name__: series },
  timestamps,
  values: timestamps.map((t) => t / 1000),
  ...(endedAt === undefined ? {} : { endedAt }),
});

describe('packed scores', () => {
  it('round-trips a batch through typed arrays, the engine re-attaching what it pushed', () => {
    const items = [item('a', [1000, 2000]), item('b', [], 3000), item('c', [1000], 5000), item('a', [3000]), item('d', [7000])];
    const scored: ScoredBatch = [
      {
        series: 'a',
        labels: { __name__: 'a' },
        timestamps: [1000, 2000],
        scores: [0.1, 0.2],
        lower: [1, 2],
        upper: [3, 4],
        learning: true,
      },
      // b (an end only, for a series without a model) has no entry.
      {
        series: 'c',
        labels: { __name__: 'c' },
        timestamps: [1000],
        scores: [0.5],
        lower: [-1],
        upper: [1],
        learning: false,
        endedAt: 5000,
      },
      { series: 'a', labels: { __name__: 'a' }, timestamps: [3000], scores: [0.3], lower: [NaN], upper: [Infinity], learning: false },
      { series: 'd', labels: { __name__: 'd' }, timestamps: [7000], scores: [0], lower: [0], upper: [0], learning: true },
    ];
    const packed = packScores(items, scored);
    expect(packed.columns).toHaveLength(3 * 5);
    expect(Array.from(packed.flags)).toEqual([1, 2, 0, 0, 1]);
    expect(unpackScores(items, packed)).toEqual(scored);
  });
});
