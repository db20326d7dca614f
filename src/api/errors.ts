import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorCode, VigilError } from '../core/index.js';

/** Maps Fastify's own error codes to Vigil's catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_JSON',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
};

/** Body of every Vigil error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * One error handler for the whole API: a VigilError answers with its status and code; Fastify's body
 * errors map to the catalogue; anything else is a 500 that is logged with its stack and never leaks it.
 * OVERLOADED and RATE_LIMITED carry `Retry-After`.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | VigilError | Error, req, reply) => {
    let ve: VigilError;
    if (err instanceof VigilError) ve = err;
    else {
      const fcode = (err as FastifyError).code;
      const mapped = fcode ? FASTIFY_CODES[fcode] : undefined;
      if (mapped) ve = new VigilError(mapped, err.message);
      else if (typeof (err as FastifyError).statusCode === 'number' && (err as FastifyError).statusCode! < 500) {
        ve = new VigilError('BAD_REQUEST', err.message);
      } else {
        req.log.error({ err }, 'unhandled error');
        ve = new VigilError('INTERNAL', 'internal error; see the server log');
      }
    }
    if (ve.code === 'OVERLOADED' || ve.code === 'RATE_LIMITED') {
      const s = Number(ve.context?.retryAfterSeconds ?? 1);
      void reply.header('Retry-After', String(Math.max(1, Math.ceil(s))));
    }
    const body: ErrorBody = { error: { code: ve.code, message: ve.message } };
    void reply.status(ve.status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } } satisfies ErrorBody);
  });
}
