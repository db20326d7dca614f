import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { doubleArray, isStaleNaN, type Labels, type SeriesSamples, STALE_NAN } from '../../core/index.js';
import type { DecodedWriteRequest } from './decode.js';
import { LabelRefs, LabelTable, packWriteRequest } from './packed.js';

/** A decoded request as the decoder makes it: label sets frozen (its shared cache entries) or not. */
function decoded(series: { labels: Labels; frozen: boolean; ts: number[]; vs: number[] }[]): DecodedWriteRequest {
  const out: SeriesSamples[] = series.map((s) => {
    const values = doubleArray();
    for (const v of s.vs) values.push(v);
    return { labels: s.frozen ? Object.freeze(s.labels) : s.labels, timestamps: s.ts, values };
  });
  return { series: out, origin: out.map((_, i) => i * 2), samples: out.reduce((a, s) => a + s.timestamps.length, 0), rejections: [] };
}

/** The 64 bits of a float, to compare NaN payloads. */
function bits(v: number): bigint {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return b.getBigUint64(0, true);
}

const seriesArb = fc.array(
  fc.record({
    labels: fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.string({ maxLength: 6 }), { maxKeys: 4 }),
    frozen: fc.boolean(),
    ts: fc.array(fc.integer({ min: 0, max: 2 ** 50 }), { maxLength: 5 }),
  }),
  { maxLength: 8 },
);

describe('packed WriteRequests', () => {
  it('unpack gives back what was packed: labels, samples (NaN payloads included), origins, counts', () => {
    fc.assert(
      fc.property(seriesArb, fc.array(fc.double(), { minLength: 5, maxLength: 5 }), (spec, pool) => {
        const withValues = spec.map((s, i) => ({ ...s, vs: s.ts.map((_, j) => (j === 1 ? STALE_NAN : (pool[(i + j) % 5] as number))) }));
        const d = decoded(withValues);
        const back = new LabelTable().unpack(packWriteRequest(d, new LabelRefs()));
        expect(back.origin).toEqual(d.origin);
        expect(back.samples).toBe(d.samples);
        expect(back.series.map((s) => ({ ...s.labels }))).toEqual(d.series.map((s) => ({ ...s.labels })));
        for (let i = 0; i < d.series.length; i++) {
          expect(back.series[i]?.timestamps).toEqual(d.series[i]?.timestamps);
          expect(back.series[i]?.values.map(bits)).toEqual(d.series[i]?.values.map(bits));
          expect(back.series[i]?.values.map(isStaleNaN)).toEqual(d.series[i]?.timestamps.map((_, j) => j === 1));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sends a frozen label set once and then only its reference; the main thread shares one frozen object', () => {
    const refs = new LabelRefs();
    const table = new LabelTable();
    const labels = Object.freeze({ __name__: 'up', job: 'a' });
    const first = packWriteRequest(decoded([{ labels, frozen: true, ts: [1], vs: [1] }]), refs);
    const second = packWriteRequest(decoded([{ labels, frozen: true, ts: [2], vs: [STALE_NAN] }]), refs);
    expect(first.defs).toHaveLength(1);
    expect(second.defs).toHaveLength(0);
    const a = table.unpack(first).series[0];
    const b = table.unpack(second).series[0];
    expect(b?.labels).toBe(a?.labels);
    expect(Object.isFrozen(b?.labels)).toBe(true);
    expect(isStaleNaN(b?.values[0] as number)).toBe(true);
  });

  it('sends unfrozen label sets every time, and starts a new generation past the limit on both sides', () => {
    const refs = new LabelRefs(3);
    const table = new LabelTable();
    const frozen = Object.freeze({ a: '1' });
    const open = (i: number) => ({ labels: { b: String(i) }, frozen: false, ts: [i], vs: [i] });
    const p1 = packWriteRequest(decoded([{ labels: frozen, frozen: true, ts: [1], vs: [1] }, open(1), open(2)]), refs);
    expect(p1.defs.map(([r]) => r)).toEqual([0, 1, 2]);
    expect(p1.gen).toBe(0);
    table.unpack(p1);
    // The limit was reached: the next request is numbered afresh and defines the frozen set again.
    const p2 = packWriteRequest(decoded([{ labels: frozen, frozen: true, ts: [2], vs: [2] }]), refs);
    expect(p2.gen).toBe(1);
    expect(p2.defs).toEqual([[0, { a: '1' }]]);
    expect(table.unpack(p2).series[0]?.labels).toEqual({ a: '1' });
  });

  it('refuses a reference it was never given', () => {
    const p = packWriteRequest(decoded([{ labels: Object.freeze({ a: '1' }), frozen: true, ts: [1], vs: [1] }]), new LabelRefs());
    p.defs = [];
    expect(() => new LabelTable().unpack(p)).toThrow(/unknown label reference 0/);
  });
});
