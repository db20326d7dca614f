import { describe, expect, it } from 'vitest';
import { LabelsSent, LabelTable, packScores, unpackScores } from './packed.js';
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

  it("sends pushes with every sample in two arrays and each series' labels once per table generation", () => {
    const sent = new LabelsSent(4);
    const table = new LabelTable();
    const first = [item('a', [1000, 2000]), { ...item('b', [1000]), excluded: new Uint8Array([1]) }, item('c', [], 3000)];
    const p1 = sent.pack(first);
    expect(p1.labels.map((l) => l?.__name__)).toEqual(['a', 'b', 'c']);
    expect(Array.from(p1.times)).toEqual([1000, 2000, 1000]);
    expect(table.unpack(p1)).toEqual(first);
    // Known series go without labels; the worker's table supplies them.
    const second = [item('b', [4000]), item('a', [3000]), item('d', [3000])];
    const p2 = sent.pack(second);
    expect(p2.labels.map((l) => l?.__name__)).toEqual([undefined, undefined, 'd']);
    expect(table.unpack(p2)).toEqual(second);
    // Past the limit (4 series) both sides start afresh: labels travel again.
    const p3 = sent.pack([item('a', [5000])]);
    expect(p3.gen).toBe(p2.gen + 1);
    expect(p3.labels[0]?.__name__).toBe('a');
    expect(table.unpack(p3)).toEqual([item('a', [5000])]);
    // A table that never got a series' labels (a worker started afresh) refuses the push rather than guessing.
    expect(() => new LabelTable().unpack(sent.pack([item('a', [6000])]))).toThrow(/without the labels of a/);
  });
});
