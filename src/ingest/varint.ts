/** A non-negative integer (< 2^53) as a protobuf base-128 varint. */
export function encodeVarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
