import { VigilError } from '../core/index.js';

const TWO32 = 4294967296;

/** Appends bits MSB-first into a growable byte buffer; reused across encodes to avoid allocation. */
export class BitWriter {
  buf: Uint8Array;
  /** Position in bits. */
  pos = 0;

  constructor(initialBytes = 4096) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Starts a new stream, keeping the buffer. */
  reset(): void {
    this.buf.fill(0, 0, (this.pos + 7) >>> 3);
    this.pos = 0;
  }

  private ensure(bits: number): void {
    const need = ((this.pos + bits + 7) >>> 3) + 1;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes the low `n` bits (n ≤ 32) of the unsigned integer `v`. */
  writeBits(v: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    while (n > 0) {
      const free = 8 - (pos & 7);
      const take = Math.min(n, free);
      const part = (v >>> (n - take)) & ((1 << take) - 1);
      buf[pos >>> 3]! |= part << (free - take);
      pos += take;
      n -= take;
    }
    this.pos = pos;
  }

  /** Writes one bit. */
  writeBit(b: number): void {
    this.ensure(1);
    if (b !== 0) this.buf[this.pos >>> 3]! |= 0x80 >>> (this.pos & 7);
    this.pos++;
  }

  /** Writes a non-negative integer < 2^53 in `n` bits (n ≤ 53). */
  writeBig(v: number, n: number): void {
    if (n <= 32) {
      this.writeBits(v >>> 0, n);
      return;
    }
    const hi = Math.floor(v / TWO32);
    this.writeBits(hi, n - 32);
    this.writeBits((v - hi * TWO32) >>> 0, 32);
  }

  /** Writes a non-negative integer < 2^53 as 7-bit groups, each followed by a continuation bit. */
  writeVarint(v: number): void {
    for (;;) {
      const low = v % 128;
      v = (v - low) / 128;
      this.writeBits(low, 7);
      if (v === 0) {
        this.writeBit(0);
        return;
      }
      this.writeBit(1);
    }
  }

  /** Number of bytes holding the bits written so far. */
  get byteLength(): number {
    return (this.pos + 7) >>> 3;
  }
}

function corrupt(why: string): VigilError {
  return new VigilError('STORAGE_CORRUPT', `chunk is corrupt: ${why}`);
}

/** Reads bits MSB-first from a byte range; reading past the end throws STORAGE_CORRUPT. */
export class BitReader {
  private buf: Uint8Array;
  private pos: number;
  private end: number;

  constructor(buf: Uint8Array, startByte: number, endByte: number) {
    this.buf = buf;
    this.pos = startByte * 8;
    this.end = endByte * 8;
  }

  /** Reads `n` bits (n ≤ 32) as an unsigned integer. */
  readBits(n: number): number {
    if (this.pos + n > this.end) throw corrupt('truncated bit stream');
    const buf = this.buf;
    let pos = this.pos;
    let out = 0;
    while (n > 0) {
      const avail = 8 - (pos & 7);
      const take = Math.min(n, avail);
      const byte = buf[pos >>> 3]!;
      const part = (byte >>> (avail - take)) & ((1 << take) - 1);
      out = out * (1 << take) + part;
      pos += take;
      n -= take;
    }
    this.pos = pos;
    return out;
  }

  /** Reads one bit. */
  readBit(): number {
    if (this.pos >= this.end) throw corrupt('truncated bit stream');
    const b = (this.buf[this.pos >>> 3]! >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  /** Counts 1-bits up to the first 0 (consumed) or until `max` ones were read. */
  readOnes(max: number): number {
    let n = 0;
    while (n < max && this.readBit() === 1) n++;
    return n;
  }

  /** Reads a non-negative integer written with `writeBig(v, n)`. */
  readBig(n: number): number {
    if (n <= 32) return this.readBits(n);
    const hi = this.readBits(n - 32);
    return hi * TWO32 + this.readBits(32);
  }

  /** Reads an integer written with `writeVarint`. */
  readVarint(): number {
    let out = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      out += this.readBits(7) * mul;
      mul *= 128;
      if (this.readBit() === 0) {
        if (out > 2 ** 53) throw corrupt('varint out of range');
        return out;
      }
    }
    throw corrupt('varint too long');
  }

  /** Bits left before the end. */
  get remaining(): number {
    return this.end - this.pos;
  }
}
