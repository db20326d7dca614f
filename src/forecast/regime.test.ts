import { describe, expect, it } from 'vitest';
import { lastRegimeStart } from './regime.js';
import { seededRandom } from './testing/scenarios.js';

function noisy(seed: number, n: number, f: (i: number) => number, sd: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => f(i) + (r() + r() + r() + r() - 2) * sd * Math.sqrt(3));
}

describe('lastRegimeStart', () => {
  it('keeps the whole series when one line explains it (flat or steadily filling)', () => {
    expect(
      lastRegimeStart(
        noisy(1, 800, () => 10, 0.1),
        { noiseSd: 0.1 },
      ),
    ).toBe(0);
    expect(
      lastRegimeStart(
        noisy(2, 800, (i) => 10 + 0.05 * i, 0.1),
        { noiseSd: 0.1 },
      ),
    ).toBe(0);
    expect(
      lastRegimeStart(
        Array.from({ length: 800 }, (_, i) => 1e11 + 1e6 * i),
        { noiseSd: 0 },
      ),
    ).toBe(0);
  });

  it('finds where a fill started after a long flat stretch, within a few points', () => {
    const y = noisy(3, 900, (i) => 10 + Math.max(0, i - 860) * 0.2, 0.1);
    expect(Math.abs(lastRegimeStart(y, { noiseSd: 0.1 }) - 860)).toBeLessThanOrEqual(3);
  });

  it('finds the newest of several changes (a burst, then flat, then a fill)', () => {
    const y = noisy(4, 900, (i) => 10 + (i >= 300 ? 20 : 0) + Math.max(0, i - 850) * 0.3, 0.1);
    expect(Math.abs(lastRegimeStart(y, { noiseSd: 0.1 }) - 850)).toBeLessThanOrEqual(3);
  });

  it('does not start a regime on a jump too recent to have a regime after it', () => {
    const y = noisy(5, 600, (i) => (i >= 595 ? 30 : 10), 0.1);
    expect(lastRegimeStart(y, { noiseSd: 0.1, minLength: 12 })).toBe(0);
  });

  it('needs minLength points in the new regime', () => {
    const y = noisy(6, 600, (i) => 10 + Math.max(0, i - 590) * 0.5, 0.1);
    expect(lastRegimeStart(y, { noiseSd: 0.1, minLength: 12 })).toBeLessThanOrEqual(600 - 12);
  });
});
