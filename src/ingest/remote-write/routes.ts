import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { uncompress } from 'snappy';
import { VigilError } from '../../core/index.js';
import {
  buildReport,
  checkDecompressedSize,
  errorAnswer,
  type IngestRejection,
  type IngestRouteDeps,
  logIfServerError,
  setOutcomeHeaders,
  summariseRejections,
} from '../route-deps.js';
import { decodeWriteRequestSliced, snappyDeclaredLength } from './decode.js';

/** Protocol name used in metrics and logs. */
export const REMOTE_WRITE_PROTOCOL = 'remote_write';

/** Decompresses a raw snappy block after checking the length it declares against the limit. */
export async function snappyUncompress(body: Buffer, limit: number): Promise<Buffer> {
  checkDecompressedSize(snappyDeclaredLength(body), limit);
  try {
    return (await uncompress(body, { asBuffer: true })) as Buffer;
  } catch (e) {
    throw new VigilError('BAD_ENCODING', 'body is not a valid snappy block', { cause: e });
  }
}

/**
 * Mounts `POST /api/v1/write`, the Prometheus remote_write 1.0 receiver. Answers as the spec asks:
 * 204 when every sample was stored; 4xx (never retried) for a body that cannot succeed, including one
 * where some samples were refused (the rest are stored, the JSON body says which and why); 429 with
 * Retry-After when the pipeline is behind and 5xx only for what may succeed on retry. The body is buffered
 * (a snappy block can only be decompressed whole; bounded by the body limit), decoded in slices with the event
 * loop free in between, then stored slice by slice; a body found malformed or over the limits stores nothing
 * (ADR 0008).
 */
export function registerRemoteWriteRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/write', { config: { auth: 'ingest' }, bodyLimit: deps.bodyLimit }, (req, reply) => handle(req, reply, deps));
  });
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: IngestRouteDeps): Promise<void> {
  try {
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new VigilError('BAD_PAYLOAD', 'remote_write body is empty');
    const ctype = String(req.headers['content-type'] ?? '');
    if (/proto=io\.prometheus\.write\.v2\.Request/i.test(ctype)) {
      // Remote write 2.0 senders fall back to 1.0 when the receiver answers 415.
      throw new VigilError('UNSUPPORTED_MEDIA_TYPE', 'remote write 2.0 is not supported; send prometheus.WriteRequest (1.0)');
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'snappy') {
      throw new VigilError('BAD_ENCODING', `unsupported Content-Encoding "${encoding}"; remote_write uses snappy`);
    }
    const raw = await snappyUncompress(body, deps.bodyLimit);
    const decoded = await decodeWriteRequestSliced(raw, deps.maxSamplesPerRequest);
    const result = decoded.series.length > 0 ? await deps.pipeline.write(req.tenant, decoded.series, REMOTE_WRITE_PROTOCOL) : null;
    const fromPipeline: IngestRejection[] = [];
    for (const r of result?.rejected ?? []) {
      const entry: IngestRejection = { reason: r.reason, series: decoded.origin[r.series] ?? r.series, sample: r.sample };
      if (r.detail !== undefined) entry.detail = r.detail;
      fromPipeline.push(entry);
    }
    const report = buildReport(result === null ? null : { accepted: result.accepted, rejected: [] }, [
      ...decoded.rejections,
      ...fromPipeline,
    ]);
    setOutcomeHeaders(reply, report);
    if (report.rejectedCount === 0) {
      await reply.code(204).send();
      return;
    }
    req.log.debug({ tenant: req.tenant, outcome: summariseRejections(report) }, 'remote_write partly rejected');
    await reply.code(400).send(report);
  } catch (e) {
    const answer = errorAnswer(e);
    logIfServerError(deps.logger, e, answer.status, REMOTE_WRITE_PROTOCOL);
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
    await reply.code(answer.status).send({ error: { code: answer.code, message: answer.message } });
  }
}
