import { VigilError } from '../core/index.js';

const TWO32 = 4294967296;

/** Appends bits MSB-first into a growable byte buffer; reused across encodes to avoid allocation. */
export class BitWriter {
  buf: Uint8Array;
  /** Whole bytes written. */
  private bytes = 0;
  /** Pending bits (fewer than 8 after each call), right-aligned. */
  private acc = 0;
  private nacc = 0;

  constructor(initialBytes = 4096) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Starts a new stream, keeping the buffer. */
  reset(): void {
    this.bytes = 0;
    this.acc = 0;
    this.nacc = 0;
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes the low `n` bits (n ≤ 32) of the unsigned integer `v`. */
  writeBits(v: number, n: number): void {
    if (n > 24) {
      this.writeBits(Math.floor(v / 65536) & ((1 << (n - 16)) - 1), n - 16);
      this.writeBits(v & 0xffff, 16);
      return;
    }
    if (this.bytes + 5 > this.buf.length) this.grow();
    // acc has < 8 bits, n ≤ 24: the sum fits in 32 bits.
    let acc = ((this.acc << n) | (v & ((1 << n) - 1))) >>> 0;
    let nacc = this.nacc + n;
    const buf = this.buf;
    while (nacc >= 8) {
      nacc -= 8;
      buf[this.bytes++] = (acc >>> nacc) & 0xff;
    }
    acc &= (1 << nacc) - 1;
    this.acc = acc;
    this.nacc = nacc;
  }

  /** Writes one bit. */
  writeBit(b: number): void {
    this.acc = (this.acc << 1) | (b & 1);
    if (++this.nacc === 8) {
      if (this.bytes + 5 > this.buf.length) this.grow();
      this.buf[this.bytes++] = this.acc;
      this.acc = 0;
      this.nacc = 0;
    }
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
      this.writeBits(v === 0 ? low << 1 : (low << 1) | 1, 8);
      if (v === 0) return;
    }
  }

  /** Appends whole bytes; the writer must be byte-aligned (after `pad`). */
  writeBytes(src: Uint8Array): void {
    while (this.bytes + src.length + 5 > this.buf.length) this.grow();
    this.buf.set(src, this.bytes);
    this.bytes += src.length;
  }

  /** Pads the pending bits with zeros to a whole byte. */
  pad(): void {
    if (this.nacc > 0) this.writeBits(0, 8 - this.nacc);
  }

  /** Number of bytes holding the bits written so far (call `pad` first for the last partial byte). */
  get byteLength(): number {
    return this.bytes;
  }
}

function corrupt(why: string): VigilError {
  return new VigilError('STORAGE_CORRUPT', `chunk is corrupt: ${why}`);
}

/** Reads bits MSB-first from a byte range; reading past the end throws STORAGE_CORRUPT. */
export class BitReader {
  private readonly buf: Uint8Array;
  private pos: number;
  private readonly endByte: number;
  /** Buffered bits (right-aligned, at most 32). */
  private acc = 0;
  private nacc = 0;

  constructor(buf: Uint8Array, startByte: number, endByte: number) {
    this.buf = buf;
    this.pos = startByte;
    this.endByte = endByte;
  }

  /** Reads `n` bits (n ≤ 32) as an unsigned integer. */
  readBits(n: number): number {
    if (n > 24) {
      const hi = this.readBits(n - 16);
      return hi * 65536 + this.readBits(16);
    }
    let nacc = this.nacc;
    let acc = this.acc;
    while (nacc < n) {
      if (this.pos >= this.endByte) throw corrupt('truncated bit stream');
      acc = ((acc << 8) | this.buf[this.pos++]!) >>> 0;
      nacc += 8;
    }
    nacc -= n;
    const out = (acc >>> nacc) & ((1 << n) - 1);
    this.acc = acc & ((1 << nacc) - 1);
    this.nacc = nacc;
    return out;
  }

  /** Reads one bit. */
  readBit(): number {
    if (this.nacc === 0) {
      if (this.pos >= this.endByte) throw corrupt('truncated bit stream');
      this.acc = this.buf[this.pos++]!;
      this.nacc = 8;
    }
    this.nacc--;
    const b = (this.acc >>> this.nacc) & 1;
    this.acc &= (1 << this.nacc) - 1;
    return b;
  }

  /** Counts 1-bits up to the first 0 (consumed) or until `max` (≤ 16) ones were read. */
  readOnes(max: number): number {
    let acc = this.acc;
    let nacc = this.nacc;
    while (nacc <= 24 && this.pos < this.endByte) {
      acc = ((acc << 8) | this.buf[this.pos++]!) >>> 0;
      nacc += 8;
    }
    if (nacc > max) {
      // Leading ones of the buffered bits, left-aligned and inverted.
      const ones = Math.clz32(~(acc << (32 - nacc)));
      const used = ones >= max ? max : ones + 1;
      nacc -= used;
      this.acc = nacc === 0 ? 0 : acc & ((1 << nacc) - 1);
      this.nacc = nacc;
      return Math.min(ones, max);
    }
    this.acc = acc;
    this.nacc = nacc;
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
      const b = this.readBits(8);
      out += (b >>> 1) * mul;
      mul *= 128;
      if ((b & 1) === 0) {
        if (out > 2 ** 53) throw corrupt('varint out of range');
        return out;
      }
    }
    throw corrupt('varint too long');
  }

  /** Skips to the next byte boundary and returns the index of that byte. */
  alignToByte(): number {
    this.nacc -= this.nacc % 8;
    this.acc &= this.nacc === 0 ? 0 : (1 << this.nacc) - 1;
    return this.pos - this.nacc / 8;
  }

  /** Bits left before the end. */
  get remaining(): number {
    return (this.endByte - this.pos) * 8 + this.nacc;
  }
}
