import { describe, expect, it } from 'vitest';
import { seasonalProfile } from './seasonality.js';
import { seededRandom } from './testing/scenarios.js';

const DAY = 288;

describe('seasonalProfile', () => {
  it('recovers a daily cycle, indexed by position modulo the period, despite a fill in the last day', () => {
    const r = seededRandom(9);
    const y = Array.from(
      { length: 4 * DAY },
      (_, i) => 50 + 5 * Math.sin((2 * Math.PI * i) / DAY) + Math.max(0, i - 3.2 * DAY) * 0.1 + (r() - 0.5) * 0.2,
    );
    const { profile, strength } = seasonalProfile(y, DAY);
    expect(strength).toBeGreaterThan(0.9);
    for (let ph = 0; ph < DAY; ph += 12)
      expect(Math.abs((profile[ph] as number) - 5 * Math.sin((2 * Math.PI * ph) / DAY))).toBeLessThan(0.3);
  });

  it('finds no strength in noise', () => {
    const r = seededRandom(10);
    const y = Array.from({ length: 4 * DAY }, () => 50 + r());
    expect(Math.abs(seasonalProfile(y, DAY).strength)).toBeLessThan(0.2);
  });
});
