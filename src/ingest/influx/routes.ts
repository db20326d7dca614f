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
import { decodeContentEncoding } from '../route-helpers.js';
import { parseLineProtocol, parsePrecision } from './parse.js';

/** Protocol name used in metrics and logs. */
export const INFLUX_PROTOCOL = 'influx';

/**
 * Mounts `POST /api/v2/write` (InfluxDB 2.x clients, Telegraf) and `POST /write` (InfluxDB 1.x clients):
 * line protocol with a `precision` parameter, gzip accepted. Answers 204 when every line was stored; 400
 * with InfluxDB's error shape plus Vigil's report when some lines or samples were refused (the rest are
 * stored); 413 above the limits; 429 with Retry-After when the pipeline is behind.
 */
export function registerInfluxRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
    const opts = { config: { auth: 'ingest' as const }, bodyLimit: deps.bodyLimit };
    scope.post('/api/v2/write', opts, (req, reply) => handle(req, reply, deps, 2));
    scope.post('/write', opts, (req, reply) => handle(req, reply, deps, 1));
  });
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: IngestRouteDeps, version: 1 | 2): Promise<void> {
  try {
    const query = req.query as Record<string, string | undefined>;
    const precision = parsePrecision(query.precision);
    const body = req.body;
    if (!Buffer.isBuffer(body)) throw new VigilError('BAD_PAYLOAD', 'line protocol body is missing');
    const raw = await decodeContentEncoding(body, req.headers['content-encoding'], deps.bodyLimit);
    const parsed = parseLineProtocol(raw.toString('utf8'), { precision, now: Date.now(), maxSamples: deps.maxSamplesPerRequest });
    const result = parsed.series.length > 0 ? await deps.pipeline.write(req.tenant, parsed.series, INFLUX_PROTOCOL) : null;
    const rejections: IngestRejection[] = [...parsed.rejections];
    for (const r of result?.rejected ?? []) {
      const entry: IngestRejection = { reason: r.reason, line: parsed.lines[r.series]?.[r.sample] ?? 0 };
      const name = parsed.series[r.series]?.labels.__name__;
      entry.detail = `${name ?? 'series'}${r.detail !== undefined ? `: ${r.detail}` : ''}`;
      rejections.push(entry);
    }
    rejections.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const report = buildReport(result === null ? null : { accepted: result.accepted, rejected: [] }, rejections);
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
    const influxCode =
      answer.status === 413
        ? 'request too large'
        : answer.status === 429
          ? 'too many requests'
          : answer.status >= 500
            ? 'internal error'
            : 'invalid';
    const shape = version === 2 ? { code: influxCode, message: answer.message } : { error: answer.message };
    await reply.code(answer.status).send({ ...shape, vigilCode: answer.code });
  }
}
