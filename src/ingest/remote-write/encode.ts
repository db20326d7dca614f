import type { SeriesSamples } from '../../core/index.js';

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/**
 * Encodes float series as an uncompressed remote_write 1.0 `WriteRequest` (compress it with snappy's raw
 * block format before sending). Label pairs are written in the order given; senders should sort them by
 * name as the spec asks. Timestamps must be non-negative integers (ms).
 */
export function encodeWriteRequest(series: readonly SeriesSamples[]): Buffer {
  const labelBytes: Buffer[][] = [];
  const seriesSizes: number[] = [];
  let total = 0;
  for (const s of series) {
    const pairs: Buffer[] = [];
    let size = 0;
    for (const [name, value] of Object.entries(s.labels)) {
      const n = Buffer.from(name, 'utf8');
      const v = Buffer.from(value, 'utf8');
      pairs.push(n, v);
      const inner = 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length;
      size += 1 + varintSize(inner) + inner;
    }
    for (const t of s.timestamps) {
      const inner = 9 + 1 + varintSize(t);
      size += 1 + varintSize(inner) + inner;
    }
    labelBytes.push(pairs);
    seriesSizes.push(size);
    total += 1 + varintSize(size) + size;
  }
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i] as SeriesSamples;
    const pairs = labelBytes[i] as Buffer[];
    buf[pos++] = 0x0a;
    pos = writeVarint(buf, pos, seriesSizes[i] as number);
    for (let p = 0; p < pairs.length; p += 2) {
      const n = pairs[p] as Buffer;
      const v = pairs[p + 1] as Buffer;
      buf[pos++] = 0x0a;
      pos = writeVarint(buf, pos, 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length);
      buf[pos++] = 0x0a;
      pos = writeVarint(buf, pos, n.length);
      pos += n.copy(buf, pos);
      buf[pos++] = 0x12;
      pos = writeVarint(buf, pos, v.length);
      pos += v.copy(buf, pos);
    }
    for (let j = 0; j < s.timestamps.length; j++) {
      const t = s.timestamps[j] as number;
      buf[pos++] = 0x12;
      pos = writeVarint(buf, pos, 9 + 1 + varintSize(t));
      buf[pos++] = 0x09;
      buf.writeDoubleLE(s.values[j] as number, pos);
      pos += 8;
      buf[pos++] = 0x10;
      pos = writeVarint(buf, pos, t);
    }
  }
  return buf;
}
