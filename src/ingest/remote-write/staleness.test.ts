import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../promql/index.js';
import { decodeWriteRequest } from './decode.js';
import { STALE_MARKER, type WireValue, wireWriteRequest } from './testing/wire.js';

const bitsOf = (v: number): string => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b.toString('hex');
};

/** Requests of the shapes Prometheus sends, each with one staleness marker in a different place. */
const SHAPES: { name: string; points: [number, WireValue][] }[] = [
  { name: 'marker alone', points: [[1000, STALE_MARKER]] },
  {
    name: 'marker after integers',
    points: [
      [1000, 1],
      [2000, 2],
      [3000, STALE_MARKER],
    ],
  },
  {
    name: 'marker after a fraction',
    points: [
      [1000, 1.5],
      [2000, STALE_MARKER],
    ],
  },
  {
    name: 'marker before integers',
    points: [
      [1000, STALE_MARKER],
      [2000, 3],
    ],
  },
  {
    name: 'marker after many samples',
    points: [...Array.from({ length: 40 }, (_, i): [number, WireValue] => [i * 1000, i % 3 === 0 ? i : i / 7]), [40_000, STALE_MARKER]],
  },
];

describe('remote_write decoder and staleness markers', () => {
  it('keeps every staleness marker a marker, however often and in whatever position it is decoded', () => {
    const bodies = SHAPES.map((s) => wireWriteRequest([{ labels: { __name__: 'm', shape: s.name }, points: s.points }]));
    const lost: string[] = [];
    // V8 drops a NaN's payload on some of its slow paths (an array changing element kind while its inline caches
    // warm up), so decode each shape many times, interleaved, as a server does.
    for (let round = 0; round < 2000; round++) {
      for (const [k, body] of bodies.entries()) {
        const shape = SHAPES[k] as (typeof SHAPES)[number];
        const values = decodeWriteRequest(body, 1000).series[0]?.values ?? [];
        const at = shape.points.findIndex(([, v]) => v === STALE_MARKER);
        const v = values[at] as number;
        if (!isStaleNaN(v) && lost.length < 10) lost.push(`${shape.name}, round ${round}: decoded ${bitsOf(v)}`);
      }
    }
    expect(lost).toEqual([]);
  });

  it('decodes NaNs that only share the marker payload, and every other NaN, as ordinary NaNs', () => {
    const patterns = [
      '7ff8000000000002',
      'fff0000000000002',
      'fff8000000000002',
      '7ff8000000000000',
      'fff8000000000000',
      '7ff0000000000001',
    ];
    const body = wireWriteRequest(patterns.map((bits) => ({ labels: { __name__: 'nan', bits }, points: [[1000, { bits }]] })));
    const values = decodeWriteRequest(body, 1000).series.map((s) => s.values[0] as number);
    expect(values.map((v) => [Number.isNaN(v), isStaleNaN(v)])).toEqual(patterns.map(() => [true, false]));
  });
});
