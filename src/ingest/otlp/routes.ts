import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../../core/index.js';
import { yieldToEventLoop } from '../event-loop.js';
import {
  buildReport,
  errorAnswer,
  type IngestRejection,
  type IngestRouteDeps,
  logIfServerError,
  setOutcomeHeaders,
  summariseRejections,
} from '../route-deps.js';
import { decodeContentEncoding } from '../route-helpers.js';
import { decodeOtlpJson } from './decode-json.js';
import { decodeOtlpProtobufParts, encodeOtlpResponse, encodeRpcStatus } from './decode-proto.js';
import type { OtlpPart } from './model.js';
import { otlpParts } from './parts.js';
import { DeltaAccumulator, type OtlpTranslation, OtlpTranslator } from './translate.js';

/** Protocol name used in metrics and logs. */
export const OTLP_PROTOCOL = 'otlp';

/** Data points of one metric handed from the decoder to translation at a time. */
const PART_POINTS = 500;
/** Samples translated between two yields to the event loop. */
const TRANSLATE_SLICE = 2_000;

/** gRPC status codes used in OTLP/HTTP error bodies. */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;
const GRPC_INTERNAL = 13;

/** Options for the OTLP routes beyond the shared ingest dependencies. */
export interface OtlpRouteOptions {
  /** Running totals kept to turn delta sums and histograms into cumulative series (default: one for these routes). */
  deltas?: DeltaAccumulator;
}

/**
 * Mounts `POST /v1/metrics`, the OTLP/HTTP metrics receiver, for `application/x-protobuf` and
 * `application/json` bodies (gzip accepted). Answers as the OTLP spec asks: 200 with an
 * ExportMetricsServiceResponse in the request's encoding (with `partial_success` naming how many data
 * points were refused and why); 400 with a google.rpc.Status for a body that cannot succeed; 429 with
 * Retry-After when the pipeline is behind; 413 above the size and sample limits. The body is buffered (bounded
 * by the body limit); a protobuf body is decoded and translated part by part with the event loop free between
 * slices, a JSON body is parsed in one go (ADR 0008); storing happens slice by slice once all is translated.
 */
export function registerOtlpRoutes(app: FastifyInstance, deps: IngestRouteDeps, opts: OtlpRouteOptions = {}): void {
  const deltas = opts.deltas ?? new DeltaAccumulator();
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
    scope.post('/v1/metrics', { config: { auth: 'ingest' }, bodyLimit: deps.bodyLimit }, (req, reply) => handle(req, reply, deps, deltas));
  });
}

/**
 * Decodes (protobuf: as it goes) and translates every part, yielding to the event loop after every
 * TRANSLATE_SLICE samples, so a large body never holds the loop for long. Nothing is stored yet: a body that
 * turns out to be malformed or over the sample limit halfway stores nothing.
 */
async function translateInSlices(parts: Iterable<OtlpPart>, translator: OtlpTranslator): Promise<OtlpTranslation> {
  let sliceStart = 0;
  for (const part of parts) {
    translator.add(part);
    const samples = translator.result.samples;
    if (samples - sliceStart >= TRANSLATE_SLICE) {
      sliceStart = samples;
      await yieldToEventLoop();
    }
  }
  return translator.result;
}

function isJson(req: FastifyRequest): boolean {
  return /^application\/json\b/i.test(String(req.headers['content-type'] ?? ''));
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: IngestRouteDeps, deltas: DeltaAccumulator): Promise<void> {
  const json = isJson(req);
  try {
    const ctype = String(req.headers['content-type'] ?? '');
    if (!json && !/^application\/(x-)?protobuf\b/i.test(ctype)) {
      throw new VigilError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type must be application/x-protobuf or application/json, got "${ctype.slice(0, 64)}"`,
      );
    }
    const raw = req.body;
    if (!Buffer.isBuffer(raw)) throw new VigilError('BAD_PAYLOAD', 'OTLP body is missing');
    const body = await decodeContentEncoding(raw, req.headers['content-encoding'], deps.bodyLimit);
    let parts: Iterable<OtlpPart>;
    if (json) {
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new VigilError('BAD_JSON', `body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
      }
      parts = otlpParts(decodeOtlpJson(doc), PART_POINTS);
    } else parts = decodeOtlpProtobufParts(body, PART_POINTS);
    const tr = await translateInSlices(
      parts,
      new OtlpTranslator({ tenant: req.tenant, now: Date.now(), maxSamples: deps.maxSamplesPerRequest, deltas }),
    );
    const result = tr.series.length > 0 ? await deps.pipeline.write(req.tenant, tr.series, OTLP_PROTOCOL) : null;
    const rejections: IngestRejection[] = [...tr.rejections];
    for (const r of result?.rejected ?? []) {
      const entry: IngestRejection = { reason: r.reason, point: tr.points[r.series]?.[r.sample] ?? 0 };
      const name = tr.series[r.series]?.labels.__name__;
      entry.detail = `${name ?? 'series'}${r.detail !== undefined ? `: ${r.detail}` : ''}`;
      rejections.push(entry);
    }
    const report = buildReport(result === null ? null : { accepted: result.accepted, rejected: [] }, rejections);
    setOutcomeHeaders(reply, report);
    const rejectedPoints = new Set(rejections.map((r) => r.point)).size;
    const message = report.rejectedCount > 0 ? summariseRejections(report) : '';
    if (json) {
      const partial =
        report.rejectedCount > 0 ? { partialSuccess: { rejectedDataPoints: String(rejectedPoints), errorMessage: message } } : {};
      await reply.code(200).type('application/json').send(partial);
    } else {
      await reply.code(200).type('application/x-protobuf').send(encodeOtlpResponse(rejectedPoints, message));
    }
  } catch (e) {
    const answer = errorAnswer(e);
    logIfServerError(deps.logger, e, answer.status, OTLP_PROTOCOL);
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
    const grpc =
      answer.status === 429
        ? GRPC_RESOURCE_EXHAUSTED
        : answer.status === 503
          ? GRPC_UNAVAILABLE
          : answer.status >= 500
            ? GRPC_INTERNAL
            : GRPC_INVALID_ARGUMENT;
    const message = `${answer.code}: ${answer.message}`;
    if (json) await reply.code(answer.status).type('application/json').send({ code: grpc, message });
    else await reply.code(answer.status).type('application/x-protobuf').send(encodeRpcStatus(grpc, message));
  }
}
