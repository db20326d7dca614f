/**
 * Prometheus' staleness marker, shared by ingest, the store and the query engine.
 *
 * The marker is the NaN with bit pattern 0x7ff0000000000002. V8 keeps a NaN's payload in typed arrays and
 * in arrays that already hold doubles, but sets the quiet bit (0x7ff8000000000002) on the way, and it writes
 * the canonical NaN when an array changes element kind (an empty or small-integer array receiving its first
 * NaN). So: arrays that may carry markers start as doubles (`doubleArray`), both forms count as the marker,
 * and ingest turns a sender's own 0x7ff8000000000002 into the ordinary NaN.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Prometheus' staleness marker: the NaN with bit pattern 0x7ff0000000000002. */
export const STALE_NAN: number = (() => {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setUint32(0, 0x7ff00000);
  buf.setUint32(4, 0x00000002);
  return buf.getFloat64(0);
})();

/** True when `v` is Prometheus' staleness marker (either form, see above), not an ordinary NaN. */
export function isStaleNaN(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  f64[0] = v;
  const hi = (LITTLE_ENDIAN ? u32[1] : u32[0]) as number;
  const lo = LITTLE_ENDIAN ? u32[0] : u32[1];
  return (hi === 0x7ff00000 || hi === 0x7ff80000) && lo === 2;
}

/** An empty number array whose elements are already doubles, so a NaN pushed into it keeps its payload. */
export function doubleArray(): number[] {
  const a = [0.5];
  a.length = 0;
  return a;
}

/** True when two sample values are the same: bit for bit for NaNs (a marker is not an ordinary NaN), `Object.is` otherwise. */
export function sameSampleValue(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) && isStaleNaN(a) === isStaleNaN(b);
  return Object.is(a, b);
}
