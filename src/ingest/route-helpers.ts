import { gunzip, inflate } from 'node:zlib';
import { VigilError } from '../core/index.js';

/**
 * Decompresses a request body by its Content-Encoding (gzip, deflate or none) off the event loop,
 * refusing to inflate past `limit` bytes (a zip bomb gets BODY_TOO_LARGE, not an out-of-memory crash).
 */
export function decodeContentEncoding(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return Promise.resolve(body);
  const fn = enc === 'gzip' || enc === 'x-gzip' ? gunzip : enc === 'deflate' ? inflate : null;
  if (fn === null)
    return Promise.reject(new VigilError('BAD_ENCODING', `unsupported Content-Encoding "${enc.slice(0, 32)}"; use gzip or none`));
  return new Promise((resolve, reject) => {
    fn(body, { maxOutputLength: limit }, (err, out) => {
      if (!err) return resolve(out);
      if (
        (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
        /maxOutputLength|Cannot create a Buffer larger/i.test(err.message)
      ) {
        reject(new VigilError('BODY_TOO_LARGE', `decompressed body exceeds ${limit} bytes`));
      } else reject(new VigilError('BAD_ENCODING', `body could not be decompressed as ${enc}: ${err.message}`));
    });
  });
}
