import { crc32 } from 'node:zlib';
import { sameSampleValue, VigilError } from '../core/index.js';
import { BitReader, BitWriter } from './bits.js';

/**
 * Chunk codec: delta-of-delta timestamps and, per value column, either Gorilla XOR floats
 * (as Prometheus `chunkenc`) or, when every value is a short decimal (CPU ratios with one
 * decimal, byte counts, counters), scaled integers coded as deltas or deltas-of-deltas with a
 * common divisor. The choice is made per column and is lossless: a value is coded as a decimal
 * only when `m / 10^k` gives back exactly the same float64. Every blob ends with a CRC-32.
 * Layout and the reasons are in docs/adr/0002-tsdb-storage-format.md.
 */

const FORMAT_V1 = 1;
/** Value column encodings (2 bits). */
const COL_XOR = 0;
const COL_DECIMAL = 1;
const COL_CONSTANT = 2;
/** A constant safe integer (counts, zeros, sizes in bytes): zigzag varint instead of 64 raw bits. */
const COL_CONSTANT_INT = 3;
const MAX_SCALE = 12;
/** Most samples (or buckets) one blob may hold; head snapshots can exceed a chunk's 120. */
const MAX_BLOB_COUNT = 1 << 24;
/**
 * Largest scaled integer coded as a decimal. The literal form holds |m_i − m_0| in 53 bits, so |m| must stay
 * within 2^51 (2^52 let −2^52 after +2^52 overflow to 0: a wrong answer found by the round-trip property test).
 */
const MAX_DECIMAL_INT = 2 ** 51;
const POW10: number[] = [];
for (let k = 0; k <= MAX_SCALE; k++) POW10.push(10 ** k);

// Scratch for scaled integers, grown on demand.
let ints = new Float64Array(256);
const f64 = new Float64Array(1);
const dv = new DataView(f64.buffer);

function corrupt(why: string): VigilError {
  return new VigilError('STORAGE_CORRUPT', `chunk is corrupt: ${why}`);
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

/** Writes `n` ascending timestamps (integers in [0, 2^53)) as delta-of-delta buckets. */
export function writeTimestamps(w: BitWriter, ts: ArrayLike<number>, from: number, to: number): void {
  const t0 = ts[from]!;
  w.writeBig(t0, 53);
  if (to - from < 2) return;
  // A perfectly regular run (aligned scrapes, rollup bucket ends) costs one flag and one delta.
  const step = ts[from + 1]! - t0;
  let regular = true;
  for (let i = from + 2; i < to && regular; i++) regular = ts[i]! - ts[i - 1]! === step;
  w.writeBit(regular ? 1 : 0);
  if (regular) {
    w.writeVarint(step);
    return;
  }
  let prev = t0;
  let prevDelta = 0;
  for (let i = from + 1; i < to; i++) {
    const t = ts[i]!;
    const delta = t - prev;
    const dod = delta - prevDelta;
    if (dod === 0) w.writeBit(0);
    else if (dod >= -63 && dod <= 64) w.writeBits((0b10 << 7) | (dod & 0x7f), 9);
    else if (dod >= -2047 && dod <= 2048) w.writeBits((0b110 << 12) | (dod & 0xfff), 15);
    else if (dod >= -524287 && dod <= 524288) {
      w.writeBits(0b1110, 4);
      w.writeBits(dod & 0xfffff, 20);
    } else if (dod >= -2147483647 && dod <= 2147483648) {
      w.writeBits(0b11110, 5);
      w.writeBits(dod >>> 0, 32);
    } else {
      w.writeBits(0b11111, 5);
      w.writeBig(delta, 53);
    }
    prev = t;
    prevDelta = delta;
  }
}

const HALF: number[] = [];
for (let b = 0; b <= 32; b++) HALF.push(b === 0 ? 0 : 2 ** (b - 1));

/** Two's complement of a `bits`-wide field, as Prometheus' bucket decoding: values above half are negative. */
function signed(v: number, bits: number): number {
  const half = HALF[bits]!;
  return v > half ? v - 2 * half : v;
}

/** Reads `n` timestamps written by `writeTimestamps` into `out[off..]`. */
export function readTimestamps(r: BitReader, n: number, out: Float64Array, off: number): void {
  const t0 = r.readBig(53);
  out[off] = t0;
  if (n < 2) return;
  if (r.readBit() === 1) {
    const step = r.readVarint();
    if (step < 1 || t0 + (n - 1) * step > Number.MAX_SAFE_INTEGER) throw corrupt('timestamps out of range');
    for (let i = 1; i < n; i++) out[off + i] = t0 + i * step;
    return;
  }
  let prev = t0;
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    let delta: number;
    switch (r.readOnes(5)) {
      case 0:
        delta = prevDelta;
        break;
      case 1:
        delta = prevDelta + signed(r.readBits(7), 7);
        break;
      case 2:
        delta = prevDelta + signed(r.readBits(12), 12);
        break;
      case 3:
        delta = prevDelta + signed(r.readBits(20), 20);
        break;
      case 4:
        delta = prevDelta + signed(r.readBits(32), 32);
        break;
      default:
        delta = r.readBig(53);
    }
    const t = prev + delta;
    if (delta < 1 || t > Number.MAX_SAFE_INTEGER) throw corrupt('timestamps not ascending');
    out[off + i] = t;
    prev = t;
    prevDelta = delta;
  }
}

/** Smallest k ≤ 12 such that every value equals round(v·10^k)/10^k exactly, or -1. Leaves the scaled integers in `ints`. */
export function decimalScale(vs: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (ints.length < n) ints = new Float64Array(n * 2);
  let k = 0;
  let p = 1;
  // Values before `settled` were checked with a smaller k and must be redone once k grows.
  let settled = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[from + i]!;
    let m = Math.round(v * p);
    while (!(m / p === v && Math.abs(m) <= MAX_DECIMAL_INT) || Object.is(v, -0)) {
      if (!Number.isFinite(v) || Object.is(v, -0) || ++k > MAX_SCALE) return -1;
      p = POW10[k]!;
      m = Math.round(v * p);
      settled = i;
    }
    ints[i] = m;
  }
  for (let i = 0; i < settled; i++) {
    const v = vs[from + i]!;
    const m = Math.round(v * p);
    if (Math.abs(m) > MAX_DECIMAL_INT || m / p !== v) return -1;
    ints[i] = m;
  }
  return k;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

const INT_LITERAL_BITS = 60;
/** Payload width of each integer bucket, by its number of leading 1-bits; -1 marks the literal. */
const INT_WIDTHS = [0, 6, 10, 16, 24, 32, -1];

function intCost(x: number): number {
  if (x === 0) return 1;
  if (x >= -31 && x <= 32) return 8;
  if (x >= -511 && x <= 512) return 13;
  if (x >= -32767 && x <= 32768) return 20;
  if (x >= -8388607 && x <= 8388608) return 29;
  if (x >= -2147483647 && x <= 2147483648) return 38;
  return INT_LITERAL_BITS;
}

/** Writes x in the integer bucket code, or the literal `lit` when x is too wide. */
function writeIntBucket(w: BitWriter, x: number, lit: number): void {
  if (x === 0) w.writeBit(0);
  else if (x >= -31 && x <= 32) w.writeBits((0b10 << 6) | (x & 0x3f), 8);
  else if (x >= -511 && x <= 512) w.writeBits((0b110 << 10) | (x & 0x3ff), 13);
  else if (x >= -32767 && x <= 32768) w.writeBits((0b1110 << 16) | (x & 0xffff), 20);
  else if (x >= -8388607 && x <= 8388608) {
    w.writeBits(0b11110, 5);
    w.writeBits(x & 0xffffff, 24);
  } else if (x >= -2147483647 && x <= 2147483648) {
    w.writeBits(0b111110, 6);
    w.writeBits(x >>> 0, 32);
  } else {
    w.writeBits(0b111111, 6);
    w.writeBit(lit < 0 ? 1 : 0);
    w.writeBig(Math.abs(lit), 53);
  }
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

function writeDecimal(w: BitWriter, from: number, to: number, k: number): void {
  const n = to - from;
  // decimalScale(vs, from, to) just left the scaled integers in `ints`.
  const m0 = ints[0]!;
  let g = 0;
  for (let i = 1; i < n; i++) {
    const d = Math.abs(ints[i]! - ints[i - 1]!);
    if (d !== 0) g = g === 0 ? d : gcd(g, d);
    if (g === 1) break;
  }
  if (g === 0) g = 1;
  // r_i = (m_i - m0) / g, in place.
  for (let i = 0; i < n; i++) ints[i] = (ints[i]! - m0) / g;
  let costDelta = 0;
  let costDod = 0;
  let prevD = 0;
  for (let i = 1; i < n; i++) {
    const d = ints[i]! - ints[i - 1]!;
    costDelta += intCost(d);
    costDod += intCost(d - prevD);
    prevD = d;
  }
  const dod = costDod < costDelta;
  w.writeBits(k, 4);
  w.writeBit(dod ? 1 : 0);
  w.writeVarint(zigzag(m0));
  w.writeVarint(g);
  prevD = 0;
  for (let i = 1; i < n; i++) {
    const r = ints[i]!;
    const d = r - ints[i - 1]!;
    writeIntBucket(w, dod ? d - prevD : d, r);
    prevD = d;
  }
}

function readDecimal(r: BitReader, n: number, out: Float64Array, off: number): void {
  const k = r.readBits(4);
  if (k > MAX_SCALE) throw corrupt('bad decimal scale');
  const p = POW10[k]!;
  const dod = r.readBit() === 1;
  const m0 = unzigzag(r.readVarint());
  const g = r.readVarint();
  if (g === 0 || Math.abs(m0) > MAX_DECIMAL_INT) throw corrupt('bad decimal header');
  out[off] = m0 / p;
  let prevR = 0;
  let prevD = 0;
  for (let i = 1; i < n; i++) {
    let x: number;
    let lit = false;
    const width = INT_WIDTHS[r.readOnes(6)]!;
    if (width >= 0) x = width === 0 ? 0 : signed(r.readBits(width), width);
    else {
      const neg = r.readBit() === 1;
      const mag = r.readBig(53);
      x = neg ? -mag : mag;
      lit = true;
    }
    let rv: number;
    let d: number;
    if (lit) {
      rv = x;
      d = rv - prevR;
    } else {
      d = dod ? prevD + x : x;
      rv = prevR + d;
    }
    const m = m0 + g * rv;
    if (!(Math.abs(m) <= MAX_DECIMAL_INT)) throw corrupt('decimal out of range');
    out[off + i] = m / p;
    prevR = rv;
    prevD = d;
  }
}

function writeXor(w: BitWriter, vs: ArrayLike<number>, from: number, to: number): void {
  f64[0] = vs[from]!;
  let prevHi = dv.getUint32(4, true);
  let prevLo = dv.getUint32(0, true);
  w.writeBits(prevHi, 32);
  w.writeBits(prevLo, 32);
  let prevLead = -1;
  let prevTrail = 0;
  for (let i = from + 1; i < to; i++) {
    f64[0] = vs[i]!;
    const hi = dv.getUint32(4, true);
    const lo = dv.getUint32(0, true);
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      w.writeBit(0);
      continue;
    }
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (lead > 31) lead = 31;
    if (prevLead >= 0 && lead >= prevLead && trail >= prevTrail) {
      w.writeBits(0b10, 2);
      writeShifted(w, xh, xl, prevTrail, 64 - prevLead - prevTrail);
    } else {
      prevLead = lead;
      prevTrail = trail;
      const sig = 64 - lead - trail;
      w.writeBits(0b11, 2);
      w.writeBits(lead, 5);
      w.writeBits(sig & 63, 6);
      writeShifted(w, xh, xl, trail, sig);
    }
  }
}

/** Writes the `sig` bits of the 64-bit (hi, lo) after shifting right by `trail`. */
function writeShifted(w: BitWriter, hi: number, lo: number, trail: number, sig: number): void {
  let h: number;
  let l: number;
  if (trail === 0) {
    h = hi;
    l = lo;
  } else if (trail >= 32) {
    h = 0;
    l = hi >>> (trail - 32);
  } else {
    l = ((lo >>> trail) | (hi << (32 - trail))) >>> 0;
    h = hi >>> trail;
  }
  if (sig > 32) {
    w.writeBits(h, sig - 32);
    w.writeBits(l, 32);
  } else w.writeBits(l, sig);
}

function readXor(r: BitReader, n: number, out: Float64Array, off: number): void {
  let hi = r.readBits(32);
  let lo = r.readBits(32);
  dv.setUint32(4, hi, true);
  dv.setUint32(0, lo, true);
  out[off] = f64[0]!;
  let lead = -1;
  let trail = 0;
  for (let i = 1; i < n; i++) {
    if (r.readBit() === 1) {
      if (r.readBit() === 1) {
        lead = r.readBits(5);
        let sig = r.readBits(6);
        if (sig === 0) sig = 64;
        trail = 64 - lead - sig;
        if (trail < 0) throw corrupt('bad xor window');
      } else if (lead < 0) throw corrupt('xor window before first');
      const sig = 64 - lead - trail;
      let h = 0;
      let l: number;
      if (sig > 32) {
        h = r.readBits(sig - 32);
        l = r.readBits(32);
      } else l = r.readBits(sig);
      let xh: number;
      let xl: number;
      if (trail === 0) {
        xh = h;
        xl = l;
      } else if (trail >= 32) {
        xh = (l << (trail - 32)) >>> 0;
        xl = 0;
      } else {
        xh = ((h << trail) | (l >>> (32 - trail))) >>> 0;
        xl = (l << trail) >>> 0;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    dv.setUint32(4, hi, true);
    dv.setUint32(0, lo, true);
    out[off + i] = f64[0]!;
  }
}

/** Writes a value column: decimal integers when lossless, Gorilla XOR otherwise. */
export function writeValues(w: BitWriter, vs: ArrayLike<number>, from: number, to: number): void {
  const first = vs[from]!;
  let constant = true;
  for (let i = from + 1; i < to && constant; i++) constant = sameSampleValue(vs[i]!, first);
  if (constant && Number.isInteger(first) && Math.abs(first) < 2 ** 51 && !Object.is(first, -0)) {
    w.writeBits(COL_CONSTANT_INT, 2);
    w.writeVarint(first < 0 ? -first * 2 - 1 : first * 2);
    return;
  }
  if (constant) {
    w.writeBits(COL_CONSTANT, 2);
    f64[0] = first;
    w.writeBits(dv.getUint32(4, true), 32);
    w.writeBits(dv.getUint32(0, true), 32);
    return;
  }
  const k = decimalScale(vs, from, to);
  if (k >= 0) {
    w.writeBits(COL_DECIMAL, 2);
    writeDecimal(w, from, to, k);
  } else {
    w.writeBits(COL_XOR, 2);
    writeXor(w, vs, from, to);
  }
}

/** Reads a value column written by `writeValues`. */
export function readValues(r: BitReader, n: number, out: Float64Array, off: number): void {
  const kind = r.readBits(2);
  if (kind === COL_DECIMAL) readDecimal(r, n, out, off);
  else if (kind === COL_XOR) readXor(r, n, out, off);
  else if (kind === COL_CONSTANT_INT) {
    const z = r.readVarint();
    if (z > Number.MAX_SAFE_INTEGER) throw corrupt('constant out of range');
    const v = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    for (let i = 0; i < n; i++) out[off + i] = v;
  } else if (kind === COL_CONSTANT) {
    dv.setUint32(4, r.readBits(32), true);
    dv.setUint32(0, r.readBits(32), true);
    const v = f64[0]!;
    for (let i = 0; i < n; i++) out[off + i] = v;
  } else throw corrupt('unknown column encoding');
}

const writer = new BitWriter(1 << 16);

/** Writes the chunk header (format, count) into the shared writer and returns it. */
export function beginBlob(count: number): BitWriter {
  writer.reset();
  writer.writeBits(FORMAT_V1, 8);
  writer.writeVarint(count);
  return writer;
}

/** Pads the writer to a byte boundary, appends the CRC-32 and returns a copy of the bytes. */
export function finishBlob(w: BitWriter): Buffer {
  w.pad();
  const len = w.byteLength;
  const out = Buffer.allocUnsafe(len + 4);
  out.set(w.buf.subarray(0, len));
  const c = crc32(out.subarray(0, len));
  out[len] = c & 0xff;
  out[len + 1] = (c >>> 8) & 0xff;
  out[len + 2] = (c >>> 16) & 0xff;
  out[len + 3] = (c >>> 24) & 0xff;
  return out;
}

/** Verifies the CRC and header of a blob and returns a reader positioned after the header, and the count. */
export function openBlob(buf: Uint8Array): { r: BitReader; count: number } {
  if (buf.length < 6) throw corrupt('too short');
  const len = buf.length - 4;
  const stored = (buf[len]! | (buf[len + 1]! << 8) | (buf[len + 2]! << 16) | (buf[len + 3]! << 24)) >>> 0;
  if (crc32(buf.subarray(0, len)) !== stored) throw corrupt('checksum mismatch');
  const r = new BitReader(buf, 0, len);
  if (r.readBits(8) !== FORMAT_V1) throw corrupt('unknown format');
  const count = r.readVarint();
  if (count < 1 || count > MAX_BLOB_COUNT) throw corrupt('bad sample count');
  return { r, count };
}

/** Encodes samples [from, to) (timestamps strictly ascending integers in [0, 2^53)) into a chunk blob. */
export function encodeChunk(ts: ArrayLike<number>, vs: ArrayLike<number>, from = 0, to = ts.length): Buffer {
  const n = to - from;
  if (n < 1) throw new VigilError('INTERNAL', 'cannot encode an empty chunk');
  let prev = -1;
  for (let i = from; i < to; i++) {
    const t = ts[i]!;
    if (!Number.isSafeInteger(t) || t <= prev) throw new VigilError('INTERNAL', 'chunk timestamps must be ascending integers ≥ 0');
    prev = t;
  }
  const w = beginBlob(n);
  writeTimestamps(w, ts, from, to);
  writeValues(w, vs, from, to);
  return finishBlob(w);
}

/** A decoded chunk. */
export interface DecodedChunk {
  timestamps: Float64Array;
  values: Float64Array;
}

/** Decodes a chunk blob; throws STORAGE_CORRUPT on any inconsistency, never returns wrong samples undetected. */
export function decodeChunk(buf: Uint8Array): DecodedChunk {
  const out: DecodedChunk = { timestamps: new Float64Array(0), values: new Float64Array(0) };
  const n = decodeChunkInto(buf, out);
  return n === out.timestamps.length ? out : { timestamps: out.timestamps.subarray(0, n), values: out.values.subarray(0, n) };
}

/** Decodes a chunk into reusable arrays (grown when too small) and returns its sample count. */
export function decodeChunkInto(buf: Uint8Array, into: DecodedChunk): number {
  const { r, count } = openBlob(buf);
  if (into.timestamps.length < count) {
    into.timestamps = new Float64Array(count);
    into.values = new Float64Array(count);
  }
  readTimestamps(r, count, into.timestamps, 0);
  readValues(r, count, into.values, 0);
  if (r.remaining >= 8) throw corrupt('trailing bytes');
  return count;
}
