import { crc32 } from 'node:zlib';
import { VigilError } from '../core/index.js';
import { BitReader, BitWriter } from './bits.js';

/**
 * A block: the sealed chunks of one series whose last samples fall in one closed window, kept in one
 * row so the catalogue pays its row and index cost once per window instead of once per chunk (as
 * Prometheus' compaction gathers a series' chunks into a block). The chunks stay intact inside: each
 * keeps its own header and CRC and is decoded by the chunk codec.
 *
 * Layout: format byte, varint chunk count, then per chunk (varint byte length, varint newest timestamp
 * minus the previous chunk's), a CRC-32 of everything so far, then the chunk bytes back to back. The
 * directory lets a read skip the chunks outside its range without decoding them.
 */

const BLOCK_V1 = 0xb1;
/** Most chunks one block may hold (a 6-hour window at a 100 ms interval is 1,800). */
const MAX_BLOCK_CHUNKS = 1 << 16;

function corrupt(why: string): VigilError {
  return new VigilError('STORAGE_CORRUPT', `corrupt block: ${why}`);
}

/** One chunk of a block: its bytes and its newest timestamp. */
export interface BlockChunk {
  data: Uint8Array;
  maxT: number;
}

const writer = new BitWriter(1 << 12);

/** Encodes chunks (in time order, each a chunk blob with its newest timestamp) as one block blob. */
export function encodeBlock(chunks: readonly BlockChunk[]): Buffer {
  if (chunks.length < 1 || chunks.length > MAX_BLOCK_CHUNKS) throw new VigilError('INTERNAL', 'a block holds 1 to 65,536 chunks');
  const w = writer;
  w.reset();
  w.writeBits(BLOCK_V1, 8);
  w.writeVarint(chunks.length);
  let prev = 0;
  let bytes = 0;
  for (const c of chunks) {
    if (!(c.maxT >= prev) || !Number.isSafeInteger(c.maxT)) throw new VigilError('INTERNAL', 'block chunks must be in time order');
    w.writeVarint(c.data.length);
    w.writeVarint(c.maxT - prev);
    prev = c.maxT;
    bytes += c.data.length;
  }
  const dirLen = w.byteLength;
  const out = Buffer.allocUnsafe(dirLen + 4 + bytes);
  out.set(w.buf.subarray(0, dirLen));
  out.writeUInt32LE(crc32(out.subarray(0, dirLen)), dirLen);
  let at = dirLen + 4;
  for (const c of chunks) {
    out.set(c.data, at);
    at += c.data.length;
  }
  return out;
}

/**
 * Calls `visit` with each chunk of `block` that may hold samples in [start, end], in time order (as
 * subarrays, no copy). The directory is checked by its CRC; each chunk is checked by its own when decoded.
 */
export function forEachBlockChunk(block: Uint8Array, start: number, end: number, visit: (chunk: Uint8Array) => void): void {
  const r = new BitReader(block, 0, block.length);
  if (block.length < 6 || r.readBits(8) !== BLOCK_V1) throw corrupt('unknown format');
  const n = r.readVarint();
  if (n < 1 || n > MAX_BLOCK_CHUNKS) throw corrupt('bad chunk count');
  const lens = new Array<number>(n);
  const maxTs = new Array<number>(n);
  let t = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    lens[i] = r.readVarint();
    t += r.readVarint();
    maxTs[i] = t;
    total += lens[i]!;
  }
  const dirLen = r.alignToByte();
  if (dirLen + 4 > block.length) throw corrupt('truncated directory');
  const stored = (block[dirLen]! | (block[dirLen + 1]! << 8) | (block[dirLen + 2]! << 16) | (block[dirLen + 3]! << 24)) >>> 0;
  if (crc32(block.subarray(0, dirLen)) !== stored) throw corrupt('directory checksum mismatch');
  if (dirLen + 4 + total !== block.length) throw corrupt('chunk lengths do not match the block');
  let at = dirLen + 4;
  let prevMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    // Chunks are disjoint and ascending: once the previous one reached `end`, nothing later is in range.
    if (prevMax >= end) return;
    if (maxTs[i]! >= start) visit(block.subarray(at, at + lens[i]!));
    at += lens[i]!;
    prevMax = maxTs[i]!;
  }
}
