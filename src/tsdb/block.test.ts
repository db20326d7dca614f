import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBlock, forEachBlockChunk } from './block.js';
import { decodeChunk, encodeChunk } from './chunk.js';

/** Chunks of ascending, disjoint timestamp runs built from gaps and run lengths. */
const chunkRuns = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 100_000 }),
      len: fc.integer({ min: 1, max: 20 }),
      step: fc.integer({ min: 1, max: 5_000 }),
    }),
    {
      minLength: 1,
      maxLength: 30,
    },
  )
  .map((runs) => {
    let t = 0;
    return runs.map(({ gap, len, step }) => {
      const ts: number[] = [];
      t += gap;
      for (let i = 0; i < len; i++, t += step) ts.push(t);
      t -= step;
      return ts;
    });
  });

function blockOf(runs: number[][]): Buffer {
  return encodeBlock(
    runs.map((ts) => ({
      data: encodeChunk(
        ts,
        ts.map((t) => t / 7),
      ),
      maxT: ts[ts.length - 1]!,
    })),
  );
}

describe('blocks of chunks', () => {
  it('visits exactly the chunks that overlap a range, in order, byte for byte', () => {
    fc.assert(
      fc.property(chunkRuns, fc.nat(4_000_000), fc.nat(4_000_000), (runs, a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const seen: number[] = [];
        forEachBlockChunk(blockOf(runs), start, end, (c) => {
          const d = decodeChunk(c);
          for (const t of d.timestamps) if (t >= start && t <= end) seen.push(t);
        });
        expect(seen).toEqual(runs.flat().filter((t) => t >= start && t <= end));
      }),
      { numRuns: 300 },
    );
  });

  it('turns a corrupted directory into STORAGE_CORRUPT, never a wrong answer', () => {
    const runs = [
      [1000, 2000, 3000],
      [5000, 6000],
      [9000, 9500, 9900],
    ];
    const good = blockOf(runs);
    // The directory is the first few bytes (format, count, lengths, times) and its CRC.
    for (let i = 0; i < 12; i++) {
      for (const bit of [1, 8, 64]) {
        const bad = Buffer.from(good);
        bad[i]! ^= bit;
        let out: number[] | undefined;
        try {
          out = [];
          forEachBlockChunk(bad, 0, 10_000, (c) => out!.push(...decodeChunk(c).timestamps));
        } catch (e) {
          expect((e as { code?: string }).code).toBe('STORAGE_CORRUPT');
          continue;
        }
        expect(out).toEqual(runs.flat());
      }
    }
    expect(() => forEachBlockChunk(good.subarray(0, good.length - 3), 0, 10_000, () => {})).toThrow(/corrupt block/);
  });

  it('refuses chunks out of time order', () => {
    const c = encodeChunk([1, 2], [1, 2]);
    expect(() =>
      encodeBlock([
        { data: c, maxT: 5 },
        { data: c, maxT: 4 },
      ]),
    ).toThrow(/time order/);
  });
});
