import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../../core/index.js';
import {
  buildReport,
  errorAnswer,
  type IngestRejection,
  type IngestRouteDeps,
  logIfServerError,
  setOutcomeHeaders,
  summariseRejections,
} from '../route-deps.js';
import { decodeRemoteWriteBody, type RemoteWriteDecoders } from './decoders.js';

/** Protocol name used in metrics and logs. */
export const REMOTE_WRITE_PROTOCOL = 'remote_write';

/** What the remote_write routes need: the common ingest deps, and optionally the decode workers. */
export interface RemoteWriteRouteDeps extends IngestRouteDeps {
  /** Decode workers (ADR 0009); without them bodies are decoded on the main thread. */
  decoders?: RemoteWriteDecoders;
}

/**
 * Mounts `POST /api/v1/write`, the Prometheus remote_write 1.0 receiver. Answers as the spec asks:
 * 204 when every sample was stored; 4xx (never retried) for a body that cannot succeed, including one
 * where some samples were refused (the rest are stored, the JSON body says which and why); 503 with
 * Retry-After when the pipeline is behind (not 429, which Prometheus drops by default) and 5xx only for what
 * may succeed on retry. The body is buffered
 * (a snappy block can only be decompressed whole; bounded by the body limit), decoded on a decode worker (or
 * here in slices with the event loop free in between), then stored slice by slice; a body found malformed or
 * over the limits stores nothing (ADR 0008, ADR 0009).
 */
export function registerRemoteWriteRoutes(app: FastifyInstance, deps: RemoteWriteRouteDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/write', { config: { auth: 'ingest' }, bodyLimit: deps.bodyLimit }, (req, reply) => handle(req, reply, deps));
  });
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: RemoteWriteRouteDeps): Promise<void> {
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
    // The decoder checks each label set once against the pipeline's limits, so the pipeline need not (ADR 0009).
    const labelLimits = deps.pipeline.labelLimits;
    const decoded = await (deps.decoders ?? { decode: decodeRemoteWriteBody }).decode(
      body,
      deps.bodyLimit,
      deps.maxSamplesPerRequest,
      labelLimits,
    );
    const result =
      decoded.series.length > 0
        ? await deps.pipeline.write(req.tenant, decoded.series, REMOTE_WRITE_PROTOCOL, { labelsChecked: true })
        : null;
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
    // Prometheus retries 5xx but, unless `retry_on_http_429` (experimental, off by default) is set, drops a batch
    // answered 429: when Vigil is behind, remote_write senders get 503 with Retry-After, which they all retry.
    if (answer.code === 'OVERLOADED') answer.status = 503;
    logIfServerError(deps.logger, e, answer.status, REMOTE_WRITE_PROTOCOL);
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
    await reply.code(answer.status).send({ error: { code: answer.code, message: answer.message } });
  }
}
