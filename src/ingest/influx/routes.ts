import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../../core/index.js';
import {
  errorAnswer,
  type IngestRejection,
  type IngestRouteDeps,
  logIfServerError,
  ReportCollector,
  setOutcomeHeaders,
  summariseRejections,
} from '../route-deps.js';
import { bodyChunks, isBodyStream, useStreamingBody } from '../route-helpers.js';
import type { InfluxBatch } from './parse.js';
import { parsePrecision } from './parse.js';
import { streamLineProtocol } from './stream.js';

/** Protocol name used in metrics and logs. */
export const INFLUX_PROTOCOL = 'influx';

/** Samples parsed before they are handed to the pipeline as one batch. */
export const INFLUX_BATCH_SAMPLES = 5_000;

/** Longest line read, in characters; a longer one is refused as a parse error and skipped. */
export const INFLUX_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Mounts `POST /api/v2/write` (InfluxDB 2.x clients, Telegraf) and `POST /write` (InfluxDB 1.x clients):
 * line protocol with a `precision` parameter, gzip accepted. The body is parsed as it arrives and stored in
 * batches of INFLUX_BATCH_SAMPLES samples, so memory is bounded by a batch, not by the body (ADR 0008).
 * Answers once the last batch is durable: 204 when every line was stored; 400 with InfluxDB's error shape
 * plus Vigil's report when some lines or samples were refused (the rest are stored); 413 above the limits;
 * 429 with Retry-After when the pipeline is behind before the first batch. A 4xx found after some batches
 * were stored (a body over the limits, a damaged gzip stream) leaves those batches stored and says how many
 * samples that was in `x-vigil-samples-accepted`; resending is safe for lines with timestamps, since the
 * store accepts an identical sample twice without storing it twice.
 */
export function registerInfluxRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  void app.register(async (scope) => {
    useStreamingBody(scope);
    const opts = { config: { auth: 'ingest' as const }, bodyLimit: deps.bodyLimit };
    scope.post('/api/v2/write', opts, (req, reply) => handle(req, reply, deps, 2));
    scope.post('/write', opts, (req, reply) => handle(req, reply, deps, 1));
  });
}

/** The refusals of one stored batch, as lines of the input, in line order with the batch's parse errors. */
function batchRejections(batch: InfluxBatch, rejected: readonly { series: number; sample: number; reason: string; detail?: string }[]) {
  const out: IngestRejection[] = [...batch.rejections];
  for (const r of rejected) {
    const name = batch.series[r.series]?.labels.__name__;
    out.push({
      reason: r.reason,
      line: batch.lines[r.series]?.[r.sample] ?? 0,
      detail: `${name ?? 'series'}${r.detail !== undefined ? `: ${r.detail}` : ''}`,
    });
  }
  if (rejected.length > 0) out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return out;
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: IngestRouteDeps, version: 1 | 2): Promise<void> {
  const collected = new ReportCollector();
  let bodyDone = false;
  try {
    const query = req.query as Record<string, string | undefined>;
    const precision = parsePrecision(query.precision);
    const body = req.body;
    if (!isBodyStream(body)) throw new VigilError('BAD_PAYLOAD', 'line protocol body is missing');
    const chunks = bodyChunks(body, {
      encoding: req.headers['content-encoding'],
      declaredLength: req.headers['content-length'],
      limit: deps.bodyLimit,
    });
    const stream = deps.pipeline.stream(req.tenant, INFLUX_PROTOCOL);
    const parseOpts = {
      precision,
      now: Date.now(),
      maxSamples: deps.maxSamplesPerRequest,
      batchSamples: INFLUX_BATCH_SAMPLES,
      maxLineLength: INFLUX_MAX_LINE_LENGTH,
    };
    await streamLineProtocol(chunks, parseOpts, async (batch) => {
      if (batch.series.length === 0) {
        collected.addRejections(batch.rejections);
        return;
      }
      const result = await stream.write(batch.series);
      collected.addAccepted(result.accepted);
      collected.addRejections(batchRejections(batch, result.rejected));
    });
    bodyDone = true;
    stream.end();
    const report = collected.report();
    setOutcomeHeaders(reply, report);
    if (report.rejectedCount === 0) {
      await reply.code(204).send();
      return;
    }
    const message = `partial write: ${summariseRejections(report)}`;
    req.log.debug({ tenant: req.tenant, outcome: message }, 'influx write partly rejected');
    const firstLine = report.rejected[0]?.line;
    const influxShape = version === 2 ? { code: 'invalid', message, line: firstLine } : { error: message };
    await reply.code(400).send({ ...influxShape, ...report });
  } catch (e) {
    const answer = errorAnswer(e);
    logIfServerError(deps.logger, e, answer.status, INFLUX_PROTOCOL);
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
    // The rest of the body was not read: close the connection rather than read it to the end.
    if (!bodyDone) reply.header('connection', 'close');
    const stored = collected.acceptedSoFar;
    if (stored > 0) reply.header('x-vigil-samples-accepted', String(stored));
    const message = stored > 0 ? `${answer.message} (${stored} samples of earlier lines were stored)` : answer.message;
    const influxCode =
      answer.status === 413
        ? 'request too large'
        : answer.status === 429
          ? 'too many requests'
          : answer.status >= 500
            ? 'internal error'
            : 'invalid';
    const shape = version === 2 ? { code: influxCode, message } : { error: message };
    await reply.code(answer.status).send({ ...shape, vigilCode: answer.code });
  }
}
