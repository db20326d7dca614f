import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundBand, roundScore } from './precision.js';

describe('stored precision of scores and bands', () => {
  it('rounds a score to 0.001', () => {
    expect([0, 0.41256805840404526, 0.9995, 1].map(roundScore)).toEqual([0, 0.413, 1, 1]);
  });

  it('rounds a band to 4 significant digits, giving the same double as the decimal literal', () => {
    expect([0.123456, 1234.56, 98765.4, -0.000123456, 5e-9, 7.5, 0, Number.NaN].map(roundBand)).toEqual([
      0.1235,
      1235,
      98770,
      -0.0001235,
      5e-9,
      7.5,
      0,
      Number.NaN,
    ]);
    // Any value a band takes (|x| from 1e-15 to 1e15): the result is a 4-digit decimal's own double, within half a
    // unit of the 4th digit. (Smaller magnitudes are kept as they are.)
    const magnitude = fc.double({ noNaN: true, min: 1e-15, max: 1e15 });
    fc.assert(
      fc.property(magnitude, fc.boolean(), (m, negative) => {
        const x = negative ? -m : m;
        const r = roundBand(x);
        expect(Number(r.toPrecision(4))).toBe(r);
        const unit = 10 ** (Math.floor(Math.log10(m)) - 3);
        expect(Math.abs(r - x)).toBeLessThanOrEqual(unit * 0.5 * (1 + 1e-9));
      }),
      { numRuns: 5000 },
    );
  });
});
