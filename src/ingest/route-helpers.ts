import type { Readable, Transform } from 'node:stream';
import { PassThrough } from 'node:stream';
import { createGunzip, createInflate, gunzip, inflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { isVigilError, VigilError } from '../core/index.js';

/** The Content-Encoding values ingest understands, normalised; throws BAD_ENCODING for any other. */
function contentEncoding(encoding: string | undefined): 'identity' | 'gzip' | 'deflate' {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return 'identity';
  if (enc === 'gzip' || enc === 'x-gzip') return 'gzip';
  if (enc === 'deflate') return 'deflate';
  throw new VigilError('BAD_ENCODING', `unsupported Content-Encoding "${enc.slice(0, 32)}"; use gzip or none`);
}

/**
 * Decompresses a request body by its Content-Encoding (gzip, deflate or none) off the event loop,
 * refusing to inflate past `limit` bytes (a zip bomb gets BODY_TOO_LARGE, not an out-of-memory crash).
 */
export function decodeContentEncoding(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  let enc: 'identity' | 'gzip' | 'deflate';
  try {
    enc = contentEncoding(encoding);
  } catch (e) {
    return Promise.reject(e);
  }
  if (enc === 'identity') return Promise.resolve(body);
  const fn = enc === 'gzip' ? gunzip : inflate;
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

/** Makes every route of `scope` receive the request body as the unread stream it is (`req.body`), for streaming decoders. */
export function useStreamingBody(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

/** True when `body` is what `useStreamingBody` hands a route. */
export function isBodyStream(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}

/** Largest piece of body handed over at once, so that no single step has to decode a whole body. */
const MAX_CHUNK = 64 * 1024;

/** Options for reading a streamed body. */
export interface BodyStreamOptions {
  /** The request's Content-Encoding header. */
  encoding: string | undefined;
  /** The request's Content-Length header, if any. */
  declaredLength: string | undefined;
  /** Largest body accepted, in bytes, both as received and after decompression. */
  limit: number;
}

/**
 * The request body as it arrives, decompressed by its Content-Encoding (gzip, deflate or none), in pieces of
 * at most 64 KiB; the source is read only as fast as the consumer takes pieces. Throws BODY_TOO_LARGE as soon
 * as more than `limit` bytes were declared, received or inflated (a zip bomb stops after `limit` bytes of
 * output), BAD_ENCODING for a damaged compressed stream, BAD_PAYLOAD when the client goes away mid-body.
 * When the consumer stops early, the rest of the body is left unread.
 */
export async function* bodyChunks(source: Readable, opts: BodyStreamOptions): AsyncGenerator<Buffer> {
  const enc = contentEncoding(opts.encoding);
  const limit = opts.limit;
  if (opts.declaredLength !== undefined && Number(opts.declaredLength) > limit) {
    throw new VigilError('BODY_TOO_LARGE', `request body of ${opts.declaredLength} bytes exceeds ${limit} bytes`);
  }
  const z: Transform = enc === 'gzip' ? createGunzip() : enc === 'deflate' ? createInflate() : new PassThrough();
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) z.destroy(new VigilError('BODY_TOO_LARGE', `request body exceeds ${limit} bytes`));
  };
  const onError = (e: Error) => z.destroy(new VigilError('BAD_PAYLOAD', `request body could not be read: ${e.message}`, { cause: e }));
  const onClose = () => {
    if (!source.readableEnded) z.destroy(new VigilError('BAD_PAYLOAD', 'the client closed the connection before the body ended'));
  };
  source.on('data', onData);
  source.on('error', onError);
  source.on('close', onClose);
  source.pipe(z);
  let inflated = 0;
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > limit) throw new VigilError('BODY_TOO_LARGE', `decompressed body exceeds ${limit} bytes`);
      for (let off = 0; off < chunk.length; off += MAX_CHUNK)
        yield chunk.length <= MAX_CHUNK ? chunk : chunk.subarray(off, off + MAX_CHUNK);
    }
  } catch (e) {
    if (isVigilError(e)) throw e;
    throw new VigilError('BAD_ENCODING', `body could not be decompressed as ${enc}: ${(e as Error).message}`, { cause: e });
  } finally {
    source.unpipe(z);
    source.off('data', onData);
    source.off('error', onError);
    source.off('close', onClose);
    z.destroy();
  }
}
