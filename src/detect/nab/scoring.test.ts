import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNabScores, readNabSeries, readNabWindows, resultPath, windowsToRows } from './dataset.js';
import { NAB_PROFILES, type NabScoredFile, nabPosition, rowWeights, scoreNab } from './scoring.js';

const NAB_DIR = new URL('../../../../shared/eval/nab/', import.meta.url).pathname;

describe('NAB scoring', () => {
  it('matches the position function reference values', () => {
    expect(nabPosition(-1)).toBe(0.9866142981514305);
    expect(nabPosition(0)).toBe(0);
    expect(nabPosition(1)).toBeCloseTo(-0.98661, 5);
    expect(nabPosition(3.01)).toBe(-1);
  });

  it('reproduces the worked example of SCORING.md', () => {
    const weights = rowWeights(20, [[10, 14]], NAB_PROFILES.standard).weight;
    const expected = [1, 0.977107, 0.917429, 0.771927, 0.468387, -0.061006, -0.093311, -0.104945, -0.108528, -0.109576];
    expected.forEach((w, k) => {
      expect(weights[10 + k]).toBeCloseTo(w, 6);
    });
    expect(weights[3]).toBeCloseTo(-0.11, 12);
    const scores = new Array<number>(20).fill(0);
    scores[1] = 0.99;
    scores[5] = 0.9;
    scores[12] = 0.8;
    scores[13] = 0.95;
    scores[16] = 0.7;
    const r = scoreNab([{ scores, windows: [[10, 14]] }], NAB_PROFILES.standard);
    expect(r.raw).toBeCloseTo(0.807429, 6);
    expect(r.threshold).toBe(0.8);
    expect(r.score).toBeCloseTo(90.37, 2);
  });

  const reference: Record<string, [number, number, number]> = {
    ARTime: [78.15, 70.44, 83.1],
    contextOSE: [74.05, 71.66, 76.85],
    numenta: [71.21, 64.99, 75.87],
    windowedGaussian: [36.71, 21.4, 45.17],
    random: [20.88, 8.77, 33.12],
    null: [0, 0, 0],
  };

  describe.skipIf(!existsSync(NAB_DIR))('reference detectors on the development split', () => {
    const windows = existsSync(NAB_DIR) ? readNabWindows(join(NAB_DIR, 'labels/combined_windows.json')) : {};
    const rows = new Map<string, Array<[number, number]>>();
    for (const [name, w] of Object.entries(windows)) rows.set(name, windowsToRows(readNabSeries(join(NAB_DIR, 'data', name), name).t, w));
    for (const [det, [std, lowFp, lowFn]] of Object.entries(reference)) {
      it(`${det}: ${std} / ${lowFp} / ${lowFn}`, () => {
        const files: NabScoredFile[] = [...rows].map(([name, w]) => ({
          scores: readNabScores(resultPath(join(NAB_DIR, 'reference_results'), det, name)),
          windows: w,
        }));
        expect(files.reduce((a, f) => a + f.windows.length, 0)).toBe(57);
        expect(scoreNab(files, NAB_PROFILES.standard).score.toFixed(2)).toBe(std.toFixed(2));
        expect(scoreNab(files, NAB_PROFILES.reward_low_FP_rate).score.toFixed(2)).toBe(lowFp.toFixed(2));
        expect(scoreNab(files, NAB_PROFILES.reward_low_FN_rate).score.toFixed(2)).toBe(lowFn.toFixed(2));
      });
    }
  });
});
