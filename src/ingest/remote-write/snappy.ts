import { uncompress, uncompressSync } from 'snappy';
import { VigilError } from '../../core/index.js';
import { checkDecompressedSize } from '../route-deps.js';
import { snappyDeclaredLength } from './decode.js';

function badBlock(e: unknown): VigilError {
  return new VigilError('BAD_ENCODING', 'body is not a valid snappy block', { cause: e });
}

/** Decompresses a raw snappy block after checking the length it declares against the limit (thread pool). */
export async function snappyUncompress(body: Buffer, limit: number): Promise<Buffer> {
  checkDecompressedSize(snappyDeclaredLength(body), limit);
  try {
    return (await uncompress(body, { asBuffer: true })) as Buffer;
  } catch (e) {
    throw badBlock(e);
  }
}

/** The same on the calling thread (the decode workers, which have nothing else to do meanwhile). */
export function snappyUncompressSync(body: Buffer, limit: number): Buffer {
  checkDecompressedSize(snappyDeclaredLength(body), limit);
  try {
    return uncompressSync(body, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw badBlock(e);
  }
}
