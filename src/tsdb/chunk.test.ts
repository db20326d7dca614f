import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVigilError } from '../core/index.js';
import { decodeChunk, encodeChunk } from './chunk.js';
import { Buckets, bucketsFromSamples, decodeBuckets, encodeBuckets } from './rollup.js';

const MAX_T = Number.MAX_SAFE_INTEGER;

/** Strictly ascending integer timestamps in [0, 2^53). */
const timestamps = (min: number, max: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: MAX_T }), { minLength: min, maxLength: max }).map((a) => a.sort((x, y) => x - y));

/** Ascending timestamps with realistic spacing (regular with jitter, gaps, bursts). */
const regularTimestamps = fc
  .record({
    start: fc.integer({ min: 0, max: 2 ** 50 }),
    deltas: fc.array(
      fc.oneof(
        fc.constant(10_000),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 9_990, max: 10_010 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
      ),
      {
        minLength: 0,
        maxLength: 300,
      },
    ),
  })
  .map(({ start, deltas }) => {
    const out = [start];
    for (const d of deltas) out.push(out[out.length - 1]! + d);
    return out.filter((t) => t <= MAX_T);
  });

const specials = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER,
  2 ** 52,
  -(2 ** 52),
  0.1,
  0.30000000000000004,
  1e-300,
  1e300,
);

/** Any float64, with short decimals, counters and specials mixed in so both value encodings are exercised. */
const value = fc.oneof(
  fc.double(),
  specials,
  fc.integer({ min: -100_000, max: 100_000 }).map((i) => i / 10),
  fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
  fc.integer({ min: 0, max: 1000 }).map((i) => i * 4096),
);

function roundTrip(ts: number[], vs: number[]): void {
  const d = decodeChunk(encodeChunk(ts, vs));
  expect(Array.from(d.timestamps)).toEqual(ts);
  expect(d.values.length).toBe(vs.length);
  for (let i = 0; i < vs.length; i++) if (!Object.is(d.values[i], vs[i])) expect.fail(`value ${i}: ${d.values[i]} ≠ ${vs[i]}`);
}

describe('chunk codec', () => {
  it('stores a constant integer column as a varint, exactly, at the edges of its range', () => {
    const ts = Array.from({ length: 120 }, (_, i) => 1_700_000_000_000 + i * 10_000);
    for (const v of [0, 1, -5, 4096, 2 ** 51 - 1, -(2 ** 51 - 1), 2 ** 51, Number.MAX_SAFE_INTEGER, -0, 0.5]) {
      const blob = encodeChunk(
        ts,
        ts.map(() => v),
      );
      expect(Object.is(decodeChunk(blob).values[119], v), String(v)).toBe(true);
    }
    // 120 regular timestamps take 15 bytes; a small constant adds one byte where 64 raw bits took eight.
    expect(
      encodeChunk(
        ts,
        ts.map(() => 7),
      ).length,
    ).toBeLessThan(
      encodeChunk(
        ts,
        ts.map(() => 7.25),
      ).length - 6,
    );
  });

  it('round-trips arbitrary timestamps and float64 values exactly', () => {
    fc.assert(
      fc.property(
        timestamps(1, 200).chain((ts) => fc.tuple(fc.constant(ts), fc.array(value, { minLength: ts.length, maxLength: ts.length }))),
        ([ts, vs]) => roundTrip(ts, vs),
      ),
      { numRuns: 400 },
    );
  });

  it('round-trips large scaled integers of both signs (regression: -2^52 after +2^52 came back as +2^52)', () => {
    roundTrip([29, 46, 6841582318911688, 8343114751588288], [4503599627370496, 1073741824, -4503599627370496, 21]);
    roundTrip([1, 2, 3], [2 ** 51, -(2 ** 51), 2 ** 51]);
    roundTrip([1, 2, 3], [2 ** 53, -(2 ** 53), 0.5]);
  });

  it('round-trips realistic series: regular timestamps with jitter, decimal gauges, counters, constants', () => {
    const series = fc.oneof(
      fc.array(
        fc.integer({ min: 0, max: 1000 }).map((i) => i / 10),
        { minLength: 301, maxLength: 301 },
      ),
      fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 301, maxLength: 301 }).map((d) => {
        let c = 1e12;
        return d.map((x) => (c += x));
      }),
      fc.double().map((v) => new Array<number>(301).fill(v)),
      fc.array(value, { minLength: 301, maxLength: 301 }),
    );
    fc.assert(
      fc.property(regularTimestamps, series, (ts, vs) => roundTrip(ts, vs.slice(0, ts.length))),
      { numRuns: 400 },
    );
  });

  it('keeps NaN payloads, signed zeros and extremes bit-exact', () => {
    const vs = [
      Number.NaN,
      -0,
      0,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1.5,
      -0,
    ];
    roundTrip(
      vs.map((_, i) => i * 1000),
      vs,
    );
    roundTrip([0, MAX_T], [1, 2]);
    roundTrip([MAX_T], [-0]);
  });

  it('refuses timestamps the format cannot hold', () => {
    expect(() => encodeChunk([2, 1], [0, 0])).toThrow();
    expect(() => encodeChunk([1, 1], [0, 0])).toThrow();
    expect(() => encodeChunk([-1], [0])).toThrow();
    expect(() => encodeChunk([0.5], [0])).toThrow();
    expect(() => encodeChunk([], [])).toThrow();
  });

  it('compresses typical host metrics well', () => {
    const ts = Array.from({ length: 120 }, (_, i) => 1_763_800_000_000 + i * 10_000);
    expect(
      encodeChunk(
        ts,
        ts.map(() => 42),
      ).length,
    ).toBeLessThan(24);
    expect(
      encodeChunk(
        ts,
        ts.map((_, i) => Math.round(200 + 50 * Math.sin(i / 10)) / 10),
      ).length,
    ).toBeLessThan(200);
  });

  it('turns corrupted bytes into STORAGE_CORRUPT errors, never a crash or wrong samples', () => {
    const cases = fc.record({
      ts: regularTimestamps.filter((t) => t.length >= 2),
      vs: fc.array(value, { minLength: 301, maxLength: 301 }),
      flips: fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 4 }),
      truncate: fc.option(fc.nat(), { nil: undefined }),
      garbage: fc.option(fc.uint8Array({ minLength: 0, maxLength: 64 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(cases, ({ ts, vs, flips, truncate, garbage }) => {
        const good = encodeChunk(ts, vs.slice(0, ts.length));
        let bad: Uint8Array = Uint8Array.from(good);
        for (const f of flips) bad[f.at % bad.length]! ^= 1 << f.bit;
        if (truncate !== undefined) bad = bad.subarray(0, truncate % bad.length);
        if (garbage !== undefined) bad = garbage;
        if (Buffer.compare(Buffer.from(bad), good) === 0) return;
        try {
          decodeChunk(bad);
        } catch (e) {
          expect(isVigilError(e, 'STORAGE_CORRUPT')).toBe(true);
          return;
        }
        expect.fail('corrupt chunk decoded without an error');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('rollup blobs', () => {
  it('turn corrupted bytes into STORAGE_CORRUPT errors', () => {
    const ts = Array.from({ length: 120 }, (_, i) => 1_763_800_000_000 + i * 10_000);
    const b = new Buckets();
    const hasInc = bucketsFromSamples(
      b,
      ts,
      ts.map((_, i) => (i === 50 ? 3 : 1000 + i * 7)),
      ts.length,
      60_000,
      990,
    );
    expect(hasInc).toBe(true);
    const good = encodeBuckets(b, hasInc);
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 3 }), (flips) => {
        const bad = Uint8Array.from(good);
        for (const f of flips) bad[f.at % bad.length]! ^= 1 << f.bit;
        if (Buffer.compare(Buffer.from(bad), good) === 0) return;
        expect(() => decodeBuckets(bad, new Buckets())).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trip and summarise samples per minute exactly', () => {
    fc.assert(
      fc.property(
        regularTimestamps.filter((t) => t.length >= 1),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 301, maxLength: 301 }),
        fc.boolean(),
        (ts, ints, counter) => {
          let acc = 0;
          // Half the runs are counters (monotonic), where the last column is stored as "same as max".
          const vs = ints.slice(0, ts.length).map((i) => {
            acc += i;
            return (counter ? acc : i) / 10;
          });
          const b = new Buckets();
          const hasInc = bucketsFromSamples(b, ts, vs, ts.length, 60_000, undefined);
          const back = new Buckets();
          decodeBuckets(encodeBuckets(b, hasInc), back);
          expect(back.n).toBe(b.n);
          let total = 0;
          for (let i = 0; i < b.n; i++) {
            const inBucket = vs.filter((_, j) => Math.ceil(ts[j]! / 60_000) * 60_000 === back.end[i]);
            expect(back.count[i]).toBe(inBucket.length);
            expect(back.min[i]).toBe(Math.min(...inBucket));
            expect(back.max[i]).toBe(Math.max(...inBucket));
            expect(back.last[i]).toBe(inBucket[inBucket.length - 1]);
            expect(back.sum[i]).toBe(Math.round(inBucket.reduce((a, c) => a + c * 10, 0)) / 10);
            total += back.count[i]!;
          }
          expect(total).toBe(ts.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
