import type { FastifyInstance } from 'fastify';
import { VigilError } from '../../core/index.js';
import type { IngestPipeline } from '../pipeline.js';
import { decodeContentEncoding } from '../route-helpers.js';
import { decodeVigilBatch } from './decode.js';

/** What the Vigil JSON ingest route needs. */
export interface VigilJsonRouteDeps {
  pipeline: IngestPipeline;
  /** Largest body accepted, compressed and after decompression, in bytes. */
  bodyLimit: number;
}

/**
 * `POST /api/v1/ingest`: Vigil's own JSON batches (DESIGN.md), gzip accepted. Answers
 * `200 {accepted, rejected: [{series, sample, reason, detail?}]}`; bad JSON or shape → 400 naming the problem.
 * The body is buffered and parsed with `JSON.parse` in one go, bounded by the body limit (compressed and
 * decompressed); storing happens slice by slice. ADR 0008 says why this format is not parsed as a stream.
 */
export function registerVigilJsonRoutes(app: FastifyInstance, deps: VigilJsonRouteDeps): void {
  void app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
    child.post('/api/v1/ingest', { config: { auth: 'ingest' } }, async (req) => {
      const raw = req.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) throw new VigilError('BAD_PAYLOAD', 'empty body: send {"series": [...]}');
      const ctype = String(req.headers['content-type'] ?? 'application/json');
      if (!/^application\/json\b/i.test(ctype))
        throw new VigilError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got "${ctype.slice(0, 64)}"`);
      const body = await decodeContentEncoding(raw, req.headers['content-encoding'], deps.bodyLimit);
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new VigilError('BAD_JSON', `body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
      }
      const decoded = decodeVigilBatch(doc);
      const result = await deps.pipeline.write(req.tenant, decoded.series, 'vigil');
      const rejected = [...decoded.rejected, ...result.rejected.map((r) => ({ ...r, series: decoded.index[r.series] ?? r.series }))];
      rejected.sort((a, b) => a.series - b.series || a.sample - b.sample);
      return { accepted: result.accepted, rejected };
    });
  });
}
