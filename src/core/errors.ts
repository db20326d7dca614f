/** Stable error codes with their HTTP status and message template; documented in docs/errors.md. */
export const ERROR_CATALOGUE = {
  CONFIG_INVALID: { status: 500, message: 'invalid configuration' },
  BAD_REQUEST: { status: 400, message: 'bad request' },
  BODY_TOO_LARGE: { status: 413, message: 'request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  BAD_JSON: { status: 400, message: 'body is not valid JSON' },
  BAD_PAYLOAD: { status: 400, message: 'payload does not match the expected schema' },
  BAD_ENCODING: { status: 400, message: 'body could not be decompressed' },
  TOO_MANY_SAMPLES: { status: 413, message: 'too many samples in one request' },
  BAD_QUERY: { status: 400, message: 'bad query' },
  UNSUPPORTED_QUERY: { status: 422, message: 'query uses a construct Vigil does not support' },
  QUERY_FAILED: { status: 422, message: 'query could not be evaluated' },
  QUERY_TIMEOUT: { status: 503, message: 'query timed out' },
  UNAUTHENTICATED: { status: 401, message: 'authentication required' },
  FORBIDDEN: { status: 403, message: 'not allowed' },
  NOT_FOUND: { status: 404, message: 'not found' },
  RATE_LIMITED: { status: 429, message: 'rate limit exceeded' },
  OVERLOADED: { status: 429, message: 'server is behind; retry later' },
  NOT_READY: { status: 503, message: 'server is not ready' },
  STORAGE_CORRUPT: { status: 500, message: 'stored data failed an integrity check' },
  STORAGE_CLOSED: { status: 503, message: 'store is closed' },
  INTERNAL: { status: 500, message: 'internal error' },
  NOT_AVAILABLE: { status: 501, message: 'not available yet' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Vigil's error: a stable code, a human message, optional context and cause. */
export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly context: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { context?: Record<string, unknown>; cause?: unknown }) {
    super(message ?? ERROR_CATALOGUE[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VigilError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.context = options?.context;
  }

  /** The HTTP status under the name Fastify and other Node HTTP libraries read. */
  get statusCode(): number {
    return this.status;
  }
}

/** True when `e` is a VigilError, optionally with the given code. */
export function isVigilError(e: unknown, code?: ErrorCode): e is VigilError {
  return e instanceof VigilError && (code === undefined || e.code === code);
}
