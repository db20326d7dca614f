/**
 * TEST HELPER: a byte-exact remote_write 1.0 WriteRequest builder. Values can be given as exact 64-bit patterns,
 * because a NaN kept in a JS number array may lose its payload before any encoder sees it; this is how tests
 * send Prometheus' staleness marker and NaNs that merely resemble it.
 */

import { encodeVarint } from '../../varint.js';

/** A sample value: a number, or an exact IEEE 754 bit pattern as 16 hex digits (most significant first). */
export type WireValue = number | { bits: string };

/** One series of a request; label pairs are written sorted by name, as the spec asks. */
export interface WireSeries {
  labels: Record<string, string>;
  points: readonly (readonly [t: number, v: WireValue])[];
}

/** Prometheus' staleness marker (`value.StaleNaN`), exactly as Prometheus writes it. */
export const STALE_MARKER: WireValue = { bits: '7ff0000000000002' };

function field(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeVarint(body.length), body]);
}

function doubleBytes(v: WireValue): Buffer {
  const b = Buffer.alloc(8);
  if (typeof v === 'number') b.writeDoubleLE(v);
  else b.writeBigUInt64LE(BigInt(`0x${v.bits}`));
  return b;
}

/** Encodes an uncompressed WriteRequest with every value written with exactly the bits asked for. */
export function wireWriteRequest(series: readonly WireSeries[]): Buffer {
  return Buffer.concat(
    series.map((s) => {
      const labels = Object.keys(s.labels)
        .sort()
        .map((name) => field(0x0a, Buffer.concat([field(0x0a, Buffer.from(name)), field(0x12, Buffer.from(s.labels[name] as string))])));
      const samples = s.points.map(([t, v]) =>
        field(0x12, Buffer.concat([Buffer.from([0x09]), doubleBytes(v), Buffer.from([0x10]), encodeVarint(t)])),
      );
      return field(0x0a, Buffer.concat([...labels, ...samples]));
    }),
  );
}
