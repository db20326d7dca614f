import { type AuthScope, ERROR_CATALOGUE } from '../core/index.js';
import type { RouteInfo } from './app.js';

/** A JSON Schema (OpenAPI 3.1 dialect) as plain data. */
export type Schema = Record<string, unknown>;

/** One query, path or header parameter of a route. */
export interface ParamDoc {
  name: string;
  in: 'query' | 'path' | 'header';
  description: string;
  required?: boolean;
  schema?: Schema;
}

/** One response of a route. */
export interface ResponseDoc {
  description: string;
  /** Content type → schema; absent for bodiless answers (204). */
  content?: Record<string, Schema>;
  headers?: Record<string, string>;
}

/** The hand-written part of a route's description; method, path and scope come from the registered route. */
export interface RouteDoc {
  tag: string;
  summary: string;
  description?: string;
  /** Query and header parameters; path parameters are derived from the URL unless described here. */
  params?: ParamDoc[];
  body?: { description?: string; required?: boolean; content: Record<string, Schema>; example?: unknown };
  responses: Record<string, ResponseDoc>;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema): Record<string, Schema> => ({ 'application/json': schema });
const listOf = (key: string, item: Schema): Schema => ({
  type: 'object',
  required: [key],
  properties: { [key]: { type: 'array', items: item } },
});
const ok = (description: string, schema: Schema): Record<string, ResponseDoc> => ({ '200': { description, content: json(schema) } });
const q = (name: string, description: string, schema: Schema = { type: 'string' }, required = false): ParamDoc => ({
  name,
  in: 'query',
  description,
  schema,
  ...(required ? { required } : {}),
});
const id = (description: string): ParamDoc => ({ name: 'id', in: 'path', description, required: true, schema: { type: 'string' } });
const ruleName: ParamDoc = { name: 'name', in: 'path', description: 'rule name', required: true, schema: { type: 'string' } };
const objectBody = (schema: Schema, description: string) => ({ required: true, description, content: json(schema) });
const VIGIL_ERROR = (description: string): ResponseDoc => ({ description, content: json(ref('Error')) });
const noContent: ResponseDoc = { description: 'done (no body)' };
/** 403 of writing an alerting object: only editors write, and objects from the configuration file are read-only. */
const READ_ONLY = VIGIL_ERROR('the caller is not an editor, or the object is defined in the configuration file (read-only)');

/** Answers of creating an alerting object of `schema` (POST on its collection). */
const created = (schema: Schema, invalid: string): Record<string, ResponseDoc> => ({
  '403': READ_ONLY,
  '201': { description: 'created', content: json(schema) },
  '400': VIGIL_ERROR(invalid),
});
/** Answers of replacing an alerting object (PUT on its id); `notFound` when only existing ones can be replaced. */
const replaced = (schema: Schema, invalid: string, notFound?: string): Record<string, ResponseDoc> => ({
  '403': READ_ONLY,
  ...ok('saved', schema),
  '400': VIGIL_ERROR(invalid),
  ...(notFound === undefined ? {} : { '404': VIGIL_ERROR(notFound) }),
});
/** Answers of deleting an alerting object (DELETE on its id). */
const deleted = (notFound: string): Record<string, ResponseDoc> => ({ '403': READ_ONLY, '204': noContent, '404': VIGIL_ERROR(notFound) });

const INGEST_HEADERS = {
  'X-Vigil-Samples-Accepted': 'samples stored',
  'X-Vigil-Samples-Rejected': 'samples refused (reasons in the body when non-zero)',
};
const PROM_PARAMS_QUERY = [
  q('query', 'PromQL expression (the subset listed in docs/grafana.md)', { type: 'string' }, true),
  q('timeout', 'evaluation timeout (float seconds or a duration like `30s`), capped at 2 min'),
];
const PROM_MATCH = (required: boolean) =>
  q('match[]', `series selector, repeatable${required ? ' (at least one)' : ''}`, { type: 'array', items: { type: 'string' } }, required);
const PROM_RANGE = [q('start', 'start time: Unix seconds (float) or RFC 3339'), q('end', 'end time: Unix seconds (float) or RFC 3339')];
const promOk = (data: Schema, description = 'success'): Record<string, ResponseDoc> => ({
  '200': { description, content: json({ allOf: [ref('PromSuccess'), { properties: { data } }] }) },
  '400': { description: 'bad parameter or query (`errorType: bad_data`)', content: json(ref('PromError')) },
  '422': { description: 'the query could not be evaluated (`errorType: execution`)', content: json(ref('PromError')) },
  '503': { description: 'timeout or store unavailable', content: json(ref('PromError')) },
});
const PROM_FORM = {
  required: false,
  description: 'the same parameters, form-encoded (what Grafana sends)',
  content: { 'application/x-www-form-urlencoded': { type: 'object', additionalProperties: { type: 'string' } } },
};

/** Hand-written description of every route Vigil may register, keyed `METHOD url` as Fastify registers it. */
export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  // --- health and documentation
  'GET /healthz': {
    tag: 'health',
    summary: 'Liveness: the process answers',
    responses: ok('alive', { type: 'object', properties: { status: { const: 'ok' } } }),
  },
  'GET /readyz': {
    tag: 'health',
    summary: 'Readiness: every component started and shutdown has not begun',
    responses: {
      ...ok('ready', { type: 'object', properties: { status: { const: 'ready' } } }),
      '503': VIGIL_ERROR('starting or shutting down (`NOT_READY`)'),
    },
  },
  'GET /metrics': {
    tag: 'health',
    summary: "Vigil's own metrics in the Prometheus exposition format",
    description: 'Ingest, storage, detection, forecasting, alerting and process metrics; see docs/operations.md.',
    responses: { '200': { description: 'exposition text', content: { 'text/plain': { type: 'string' } } } },
  },
  'GET /api/v1/openapi.json': {
    tag: 'health',
    summary: 'This document (OpenAPI 3.1), built from the routes the server registered',
    responses: ok('the document', { type: 'object' }),
  },
  'GET /docs': {
    tag: 'health',
    summary: 'This document as a readable HTML page',
    responses: { '200': { description: 'HTML', content: { 'text/html': { type: 'string' } } } },
  },
  'GET /agent.js': {
    tag: 'dashboard',
    summary: 'The standalone host agent (one file; run it with `node`)',
    description: 'See docs/agent.md for the one-line install.',
    responses: {
      '200': { description: 'the agent bundle', content: { 'text/javascript': { type: 'string' } } },
      '404': VIGIL_ERROR('the bundle was not built (`npm run build`)'),
    },
  },
  'GET /*': {
    tag: 'dashboard',
    summary: 'The dashboard (a single-page app: any path outside /api/ serves it)',
    responses: {
      '200': {
        description: 'dashboard files, or a placeholder page when the dashboard was not built',
        content: { 'text/html': { type: 'string' } },
      },
      '404': VIGIL_ERROR('an unknown path under /api/'),
    },
  },

  // --- authentication and accounts
  'POST /api/v1/login': {
    tag: 'auth',
    summary: 'Sign in with a user name and password; sets the session cookie',
    description:
      'Sets `vigil_session` (HttpOnly, SameSite=Strict) and `vigil_csrf` cookies. State-changing requests made with the ' +
      'session cookie must repeat `csrfToken` in the `x-csrf-token` header. Failed logins per address and user are throttled.',
    body: {
      required: true,
      content: json({
        type: 'object',
        required: ['username', 'password'],
        properties: { username: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 1024 } },
      }),
      example: { username: 'admin', password: 'the password printed on first start' },
    },
    responses: {
      '200': {
        description: 'signed in',
        headers: { 'Set-Cookie': 'vigil_session and vigil_csrf' },
        content: json({
          type: 'object',
          properties: {
            user: { type: 'object', properties: { name: { type: 'string' }, role: ref('Role'), tenant: { type: 'string' } } },
            csrfToken: { type: 'string' },
          },
        }),
      },
      '400': VIGIL_ERROR('missing user name or password (`BAD_PAYLOAD`)'),
      '401': VIGIL_ERROR('wrong user name or password (`UNAUTHENTICATED`)'),
      '429': VIGIL_ERROR('too many failed logins (`RATE_LIMITED`, with Retry-After)'),
    },
  },
  'POST /api/v1/logout': {
    tag: 'auth',
    summary: 'End the session and clear its cookies',
    responses: ok('signed out', { type: 'object', properties: { ok: { const: true } } }),
  },
  'GET /api/v1/me': {
    tag: 'auth',
    summary: 'Who the caller is',
    responses: ok('the caller', {
      type: 'object',
      properties: {
        name: { type: 'string' },
        role: ref('Role'),
        tenant: { type: 'string' },
        kind: { type: 'string', enum: ['agent-key', 'session', 'token', 'basic'] },
      },
    }),
  },
  'GET /api/v1/keys': {
    tag: 'auth',
    summary: "The tenant's agent keys and personal tokens (never the secrets)",
    responses: ok('keys', listOf('keys', ref('KeyInfo'))),
  },
  'POST /api/v1/keys': {
    tag: 'auth',
    summary: 'Create an agent key (admins) or a personal API token (any signed-in user, for themselves)',
    description: 'The secret is in the answer only; it is stored as a hash. A token acts with its user’s role.',
    body: {
      required: true,
      content: json({
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', maxLength: 200 }, kind: { type: 'string', enum: ['agent', 'token'], default: 'agent' } },
      }),
      example: { name: 'grafana', kind: 'token' },
    },
    responses: {
      ...ok('created', {
        type: 'object',
        properties: { key: { type: 'string', description: '`vgl_ak_…` or `vgl_pt_…`' }, info: ref('KeyInfo'), note: { type: 'string' } },
      }),
      '400': VIGIL_ERROR('bad body (`BAD_PAYLOAD`)'),
    },
  },
  'DELETE /api/v1/keys/:id': {
    tag: 'auth',
    summary: 'Revoke a key or token',
    params: [{ name: 'id', in: 'path', description: 'key id (from GET /api/v1/keys)', required: true, schema: { type: 'integer' } }],
    responses: {
      ...ok('revoked', { type: 'object', properties: { revoked: { type: 'integer' } } }),
      '404': VIGIL_ERROR('no such key'),
    },
  },
  'GET /api/v1/users': {
    tag: 'auth',
    summary: "The tenant's users",
    responses: ok('users', listOf('users', ref('User'))),
  },
  'POST /api/v1/users': {
    tag: 'auth',
    summary: 'Create a user',
    body: {
      required: true,
      content: json({
        type: 'object',
        required: ['name', 'password', 'role'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.@-]+$', maxLength: 200 },
          password: { type: 'string', minLength: 8, maxLength: 1024 },
          role: { type: 'string', enum: ['viewer', 'editor', 'admin'] },
        },
      }),
      example: { name: 'vera', password: 'a long passphrase', role: 'viewer' },
    },
    responses: {
      ...ok('created', { type: 'object', properties: { user: ref('User') } }),
      '400': VIGIL_ERROR('bad body (`BAD_PAYLOAD`) or the user exists'),
    },
  },
  'GET /api/v1/audit': {
    tag: 'auth',
    summary: 'The newest 200 entries of the audit log (logins, keys, users)',
    responses: ok(
      'entries, newest first',
      listOf('entries', {
        type: 'object',
        properties: {
          t: { type: 'integer', description: 'Unix ms' },
          tenant: { type: 'string' },
          actor: { type: 'string' },
          action: { type: 'string' },
          target: { type: 'string' },
        },
      }),
    ),
  },

  // --- ingest
  'POST /api/v1/ingest': {
    tag: 'ingest',
    summary: "Vigil's own JSON batches (what the agent sends); gzip accepted",
    description:
      'Timestamps are Unix ms; NaN and ±Inf are the strings "NaN", "+Inf", "-Inf". Refused samples are listed one by one; ' +
      'the others are stored. A 200 means the accepted samples are durable.',
    params: [{ name: 'Content-Encoding', in: 'header', description: '`gzip` or absent', schema: { type: 'string' } }],
    body: {
      required: true,
      content: json(ref('IngestBatch')),
      example: { series: [{ labels: { __name__: 'node_load1', host: 'web-1' }, samples: [[1763800000000, 0.42]] }] },
    },
    responses: {
      '200': { description: 'stored, with the refusals', content: json(ref('IngestResult')) },
      '400': VIGIL_ERROR('bad JSON, shape or encoding (`BAD_JSON`, `BAD_PAYLOAD`, `BAD_ENCODING`)'),
      '413': VIGIL_ERROR('body or sample limit (`BODY_TOO_LARGE`, `TOO_MANY_SAMPLES`)'),
      '415': VIGIL_ERROR('not application/json'),
      '429': VIGIL_ERROR('the store is behind (`OVERLOADED`, with Retry-After)'),
    },
  },
  'POST /api/v1/write': {
    tag: 'ingest',
    summary: 'Prometheus remote_write 1.0 (snappy-compressed protobuf WriteRequest)',
    description: 'Remote write 2.0 bodies are answered 415 so senders fall back to 1.0. See docs/ingest.md.',
    body: { required: true, content: { 'application/x-protobuf': { type: 'string', format: 'binary' } } },
    responses: {
      '204': { description: 'every sample stored', headers: INGEST_HEADERS },
      '400': {
        description: 'some samples refused (the others are stored; not to be retried), or an undecodable body',
        headers: INGEST_HEADERS,
        content: json({ oneOf: [ref('IngestReport'), ref('Error')] }),
      },
      '413': VIGIL_ERROR('body or sample limit'),
      '415': VIGIL_ERROR('remote write 2.0'),
      '429': VIGIL_ERROR('the store is behind (Retry-After; retried by Prometheus)'),
    },
  },
  'POST /v1/metrics': {
    tag: 'ingest',
    summary: 'OpenTelemetry OTLP/HTTP metrics (protobuf or JSON, gzip accepted)',
    description:
      'Answers as OTLP/HTTP asks: an ExportMetricsServiceResponse with `partial_success` when data points were refused, ' +
      'a google.rpc.Status body for errors, in the encoding of the request. Translation rules: docs/ingest.md.',
    body: {
      required: true,
      content: { 'application/x-protobuf': { type: 'string', format: 'binary' }, 'application/json': { type: 'object' } },
    },
    responses: {
      '200': {
        description: 'ExportMetricsServiceResponse',
        headers: INGEST_HEADERS,
        content: {
          'application/x-protobuf': { type: 'string', format: 'binary' },
          'application/json': {
            type: 'object',
            properties: {
              partialSuccess: {
                type: 'object',
                properties: { rejectedDataPoints: { type: 'string' }, errorMessage: { type: 'string' } },
              },
            },
          },
        },
      },
      '400': { description: 'google.rpc.Status: the body cannot succeed', content: json(ref('RpcStatus')) },
      '413': { description: 'google.rpc.Status: body or sample limit', content: json(ref('RpcStatus')) },
      '415': { description: 'google.rpc.Status: another content type', content: json(ref('RpcStatus')) },
      '429': { description: 'google.rpc.Status: the store is behind (Retry-After)', content: json(ref('RpcStatus')) },
    },
  },
  'POST /api/v2/write': {
    tag: 'ingest',
    summary: 'InfluxDB 2.x line protocol (Telegraf `outputs.influxdb_v2`); gzip accepted',
    description: 'Credentials: `Authorization: Token <agent key>` or Bearer. `org` and `bucket` are accepted and ignored.',
    params: [
      q('precision', 'timestamp precision', { type: 'string', enum: ['ns', 'us', 'ms', 's', 'm', 'h', 'n', 'u'], default: 'ns' }),
      q('org', 'ignored'),
      q('bucket', 'ignored'),
    ],
    body: { required: true, content: { 'text/plain': { type: 'string' } }, example: 'cpu,host=web-1 usage_idle=97.5 1763800000000000000' },
    responses: {
      '204': { description: 'every line stored', headers: INGEST_HEADERS },
      '400': {
        description: 'InfluxDB error shape (`code`, `message`, `line`) plus the Vigil report; the valid lines are stored',
        content: json({ type: 'object' }),
      },
      '413': { description: 'body or sample limit', content: json({ type: 'object' }) },
      '429': { description: 'the store is behind (Retry-After)', content: json({ type: 'object' }) },
    },
  },
  'POST /write': {
    tag: 'ingest',
    summary: 'InfluxDB 1.x line protocol; gzip accepted',
    description: 'Credentials may also be sent as `?u=<any>&p=<agent key>`. `db` and `rp` are accepted and ignored.',
    params: [
      q('precision', 'timestamp precision', { type: 'string', enum: ['ns', 'us', 'ms', 's', 'm', 'h', 'n', 'u'], default: 'ns' }),
      q('db', 'ignored'),
      q('u', 'user name (ignored when `p` is an agent key)'),
      q('p', 'agent key or password'),
    ],
    body: { required: true, content: { 'text/plain': { type: 'string' } } },
    responses: {
      '204': { description: 'every line stored', headers: INGEST_HEADERS },
      '400': {
        description: '`{error: "partial write: …"}` plus the Vigil report; the valid lines are stored',
        content: json({ type: 'object' }),
      },
      '413': { description: 'body or sample limit', content: json({ type: 'object' }) },
      '429': { description: 'the store is behind (Retry-After)', content: json({ type: 'object' }) },
    },
  },

  // --- Prometheus-compatible query API
  'GET /api/v1/query': {
    tag: 'query (Prometheus API)',
    summary: 'Instant query',
    params: [...PROM_PARAMS_QUERY, q('time', 'evaluation time: Unix seconds or RFC 3339; default now')],
    responses: promOk(ref('PromQueryData')),
  },
  'POST /api/v1/query': {
    tag: 'query (Prometheus API)',
    summary: 'Instant query (form-encoded parameters)',
    params: [...PROM_PARAMS_QUERY, q('time', 'evaluation time: Unix seconds or RFC 3339; default now')],
    body: PROM_FORM,
    responses: promOk(ref('PromQueryData')),
  },
  'GET /api/v1/query_range': {
    tag: 'query (Prometheus API)',
    summary: 'Range query (at most 11,000 points per series)',
    params: [
      ...PROM_PARAMS_QUERY,
      q('start', 'start time: Unix seconds or RFC 3339', { type: 'string' }, true),
      q('end', 'end time: Unix seconds or RFC 3339', { type: 'string' }, true),
      q('step', 'resolution: float seconds or a duration like `60s`', { type: 'string' }, true),
    ],
    responses: promOk(ref('PromQueryData')),
  },
  'POST /api/v1/query_range': {
    tag: 'query (Prometheus API)',
    summary: 'Range query (form-encoded parameters, as Grafana sends them)',
    params: [
      ...PROM_PARAMS_QUERY,
      q('start', 'start time: Unix seconds or RFC 3339', { type: 'string' }, true),
      q('end', 'end time: Unix seconds or RFC 3339', { type: 'string' }, true),
      q('step', 'resolution: float seconds or a duration like `60s`', { type: 'string' }, true),
    ],
    body: PROM_FORM,
    responses: promOk(ref('PromQueryData')),
  },
  'GET /api/v1/series': {
    tag: 'query (Prometheus API)',
    summary: 'Series matching selectors',
    params: [PROM_MATCH(true), ...PROM_RANGE],
    responses: promOk({ type: 'array', items: ref('Labels') }),
  },
  'POST /api/v1/series': {
    tag: 'query (Prometheus API)',
    summary: 'Series matching selectors (form-encoded parameters)',
    params: [PROM_MATCH(true), ...PROM_RANGE],
    body: PROM_FORM,
    responses: promOk({ type: 'array', items: ref('Labels') }),
  },
  'GET /api/v1/labels': {
    tag: 'query (Prometheus API)',
    summary: 'Label names',
    params: [PROM_MATCH(false), ...PROM_RANGE],
    responses: promOk({ type: 'array', items: { type: 'string' } }),
  },
  'POST /api/v1/labels': {
    tag: 'query (Prometheus API)',
    summary: 'Label names (form-encoded parameters)',
    params: [PROM_MATCH(false), ...PROM_RANGE],
    body: PROM_FORM,
    responses: promOk({ type: 'array', items: { type: 'string' } }),
  },
  'GET /api/v1/label/:name/values': {
    tag: 'query (Prometheus API)',
    summary: 'Values of one label',
    params: [
      { name: 'name', in: 'path', description: 'label name', required: true, schema: { type: 'string' } },
      PROM_MATCH(false),
      ...PROM_RANGE,
    ],
    responses: promOk({ type: 'array', items: { type: 'string' } }),
  },
  'GET /api/v1/status/buildinfo': {
    tag: 'query (Prometheus API)',
    summary: 'The Prometheus version whose API Vigil answers with (Grafana reads it)',
    responses: promOk({ type: 'object', properties: { version: { type: 'string' }, application: { const: 'vigil' } } }),
  },
  'GET /api/v1/metadata': {
    tag: 'query (Prometheus API)',
    summary: 'Metric metadata (always empty: Vigil does not keep metadata)',
    responses: promOk({ type: 'object' }),
  },

  // --- Vigil: fleet, anomalies, models, forecasts, live stream
  'GET /api/v1/hosts': {
    tag: 'fleet',
    summary: 'Fleet summary: every host with status, CPU, memory, fullest disk and load',
    responses: ok('hosts of the caller’s tenant', {
      type: 'object',
      properties: {
        hosts: { type: 'array', items: ref('HostSummary') },
        now: { type: 'integer', description: 'Unix ms' },
        staleAfterMs: { type: 'integer', description: 'a host is down after this long without data' },
      },
    }),
  },
  'GET /api/v1/charts': {
    tag: 'dashboard',
    summary: 'Chart data: several step-aggregated selections over one time grid, in one request',
    description:
      'For each `q`, every series the selector matches, aggregated by the store per step bucket: bucket k ends at ' +
      '`start + k·step` and covers `(end_k − step, end_k]`; `rate` is the per-second increase of a counter in the bucket ' +
      '(resets handled, no extrapolation). Rollups are read when `start` and `step` are multiples of 1 min (step ≥ 2 min) ' +
      'or 1 h, so long ranges stay cheap. Not PromQL: for Prometheus semantics use `/api/v1/query_range`.',
    params: [
      q('start', 'first grid point (Unix ms)', { type: 'integer' }, true),
      q('end', 'last time the grid may reach (Unix ms)', { type: 'integer' }, true),
      q('step', 'grid spacing (ms); at most 11,000 points', { type: 'integer' }, true),
      q(
        'q',
        '`<aggregation>:<selector>`, repeatable (at most 20); aggregation one of `avg`, `min`, `max`, `sum`, `count`, `last`, `rate`',
        { type: 'array', items: { type: 'string' } },
        true,
      ),
    ],
    responses: {
      ...ok('one result per `q`, in order', {
        type: 'object',
        properties: {
          start: { type: 'integer', description: 'Unix ms of grid point 0' },
          step: { type: 'integer', description: 'ms between grid points' },
          points: { type: 'integer', description: 'length of every `values` array' },
          results: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                series: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      labels: ref('Labels'),
                      values: {
                        type: 'array',
                        description: 'one per grid point: a number, `"NaN"`/`"+Inf"`/`"-Inf"`, or null where the bucket has no sample',
                        items: { type: ['number', 'string', 'null'] },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      }),
      '400': VIGIL_ERROR('a missing or malformed parameter (`BAD_REQUEST`), a bad selector or an answer too large (`BAD_QUERY`)'),
    },
  },
  'GET /api/v1/anomalies': {
    tag: 'fleet',
    summary: 'Anomalies, newest first',
    params: [
      q('since', 'from this time (Unix ms)', { type: 'number' }),
      q('until', 'up to this time (Unix ms)', { type: 'number' }),
      q('host', 'only this host'),
      q('series', 'only this series key'),
      q('min_score', 'only anomalies scoring at least this (0–1)', { type: 'number' }),
      q('limit', 'most anomalies returned', { type: 'integer' }),
    ],
    responses: { ...ok('anomalies', listOf('anomalies', ref('Anomaly'))), '400': VIGIL_ERROR('a parameter is not a number') },
  },
  'GET /api/v1/models': {
    tag: 'fleet',
    summary: "Every series' detection model with its learning state",
    params: [
      q('host', 'only this host'),
      q('learning', 'only models still learning (`true`) or not (`false`)', { type: 'string', enum: ['true', 'false'] }),
    ],
    responses: ok(
      'models',
      listOf('models', {
        type: 'object',
        properties: { series: { type: 'string' }, labels: ref('Labels'), learning: { type: 'boolean' } },
        additionalProperties: true,
      }),
    ),
  },
  'GET /api/v1/forecasts': {
    tag: 'forecast',
    summary: 'Forecasts (point and 80% interval over the horizon, time to exhaustion for capacity series)',
    params: [q('series', 'a series selector or series key; all forecasts when absent')],
    responses: { ...ok('forecasts', listOf('forecasts', ref('Forecast'))), '400': VIGIL_ERROR('bad selector (`BAD_QUERY`)') },
  },
  'GET /api/v1/capacity': {
    tag: 'forecast',
    summary: 'Every host × resource ranked by time to exhaustion, with bounds',
    responses: ok('capacity rows', listOf('capacity', ref('CapacityRow'))),
  },
  'GET /api/v1/stream': {
    tag: 'fleet',
    summary: 'Live Server-Sent Events: samples of the selected series, anomalies, alerts and incidents',
    description:
      'Events: `samples`, `anomaly`, `alert`, `incident` (data: JSON), and a `: heartbeat` comment every 15 s. ' +
      'A client that reads too slowly loses live events rather than the server buffering them.',
    params: [PROM_MATCH(false)],
    responses: {
      '200': { description: 'an event stream that stays open', content: { 'text/event-stream': { type: 'string' } } },
      '400': VIGIL_ERROR('more than 50 selectors (`BAD_REQUEST`) or a bad selector (`BAD_QUERY`)'),
    },
  },

  // --- alerting
  'GET /api/v1/incidents': {
    tag: 'alerting',
    summary: 'Incidents, newest first',
    params: [
      q('status', 'open or resolved', { type: 'string', enum: ['open', 'resolved'] }),
      q('limit', '1–1000', { type: 'integer', default: 100 }),
      q('before', 'only incidents started before this time (Unix ms)', { type: 'integer' }),
    ],
    responses: { ...ok('incidents', listOf('incidents', ref('Incident'))), '400': VIGIL_ERROR('bad parameter') },
  },
  'GET /api/v1/incidents/:id': {
    tag: 'alerting',
    summary: 'One incident with its members and history',
    params: [id('incident id')],
    responses: { ...ok('the incident', ref('Incident')), '404': VIGIL_ERROR('no such incident') },
  },
  'POST /api/v1/incidents/:id/ack': {
    tag: 'alerting',
    summary: 'Acknowledge: records who and when; no repeat notifications while acknowledged',
    params: [id('incident id')],
    responses: { ...ok('the incident', ref('Incident')), '404': VIGIL_ERROR('no such incident') },
  },
  'POST /api/v1/incidents/:id/unack': {
    tag: 'alerting',
    summary: 'Remove the acknowledgement; repeats resume',
    params: [id('incident id')],
    responses: { ...ok('the incident', ref('Incident')), '404': VIGIL_ERROR('no such incident') },
  },
  'POST /api/v1/incidents/:id/resolve': {
    tag: 'alerting',
    summary: 'Resolve the incident as a unit; channels get the resolution',
    params: [id('incident id')],
    body: {
      required: false,
      content: json({ type: 'object', properties: { note: { type: 'string', maxLength: 1000 } } }),
      example: { note: 'rolled back the deploy' },
    },
    responses: { ...ok('the incident', ref('Incident')), '404': VIGIL_ERROR('no such incident') },
  },
  'POST /api/v1/incidents/:id/feedback': {
    tag: 'alerting',
    summary: 'Feedback: `expected` marks a false positive and teaches detection; `anomaly` confirms',
    params: [id('incident id')],
    body: {
      required: false,
      content: json({
        type: 'object',
        properties: {
          kind: { type: 'string', enum: ['expected', 'anomaly'], default: 'expected' },
          series: { type: 'string', description: 'only this member series' },
        },
      }),
      example: { kind: 'expected' },
    },
    responses: { ...ok('the incident', ref('Incident')), '404': VIGIL_ERROR('no such incident') },
  },
  'GET /api/v1/alerts': {
    tag: 'alerting',
    summary: 'Alerts, newest first',
    params: [
      q('state', 'pending, firing or resolved', { type: 'string', enum: ['pending', 'firing', 'resolved'] }),
      q('limit', '1–5000', { type: 'integer', default: 500 }),
    ],
    responses: { ...ok('alerts', listOf('alerts', ref('Alert'))), '400': VIGIL_ERROR('bad parameter') },
  },
  'GET /api/v1/alerts/precision': {
    tag: 'alerting',
    summary: 'Precision over 30 days per rule and per detector (acted on vs. false positives)',
    responses: ok('precision', { type: 'object' }),
  },
  'GET /api/v1/rules': {
    tag: 'alerting',
    summary: 'Effective rules with their source (`default`, `config`, `api`) and precision',
    responses: ok('rules', listOf('rules', ref('Rule'))),
  },
  'GET /api/v1/rules/:name': {
    tag: 'alerting',
    summary: 'One rule',
    params: [ruleName],
    responses: { ...ok('the rule', ref('Rule')), '404': VIGIL_ERROR('no such rule') },
  },
  'POST /api/v1/rules': {
    tag: 'alerting',
    summary: 'Create a rule (threshold, anomaly, forecast or absence; keys in docs/alerting.md)',
    body: {
      ...objectBody(ref('Rule'), 'the rule'),
      example: { name: 'load-high', type: 'threshold', match: 'node_load1', op: '>', value: 8, for: '5m' },
    },
    responses: {
      '201': { description: 'created', content: json(ref('Rule')) },
      '400': VIGIL_ERROR('invalid rule, or a rule of that name exists (use PUT)'),
      '403': VIGIL_ERROR('the caller is not an editor, or the name belongs to a configuration-file rule'),
    },
  },
  'PUT /api/v1/rules/:name': {
    tag: 'alerting',
    summary: 'Create or replace a rule; also overrides a default rule (e.g. `"enabled": false`)',
    params: [ruleName],
    body: objectBody(ref('Rule'), 'the rule; `name` defaults to the path'),
    responses: {
      ...ok('saved', ref('Rule')),
      '400': VIGIL_ERROR('invalid rule'),
      '403': VIGIL_ERROR('the caller is not an editor, or the rule is defined in the configuration file (read-only)'),
    },
  },
  'DELETE /api/v1/rules/:name': {
    tag: 'alerting',
    summary: 'Delete a rule created through the API',
    params: [ruleName],
    responses: {
      '204': noContent,
      '403': VIGIL_ERROR('the caller is not an editor, or a configuration-file or default rule (disable it with PUT `{"enabled": false}`)'),
      '404': VIGIL_ERROR('no such rule'),
    },
  },
  'GET /api/v1/silences': {
    tag: 'alerting',
    summary: 'Silences',
    responses: ok('silences', listOf('silences', ref('Silence'))),
  },
  'POST /api/v1/silences': {
    tag: 'alerting',
    summary: 'Create a silence',
    body: {
      ...objectBody(ref('Silence'), 'the silence'),
      example: { match: '{host="lab-1"}', endsAt: '2030-01-01T00:00:00Z', comment: 'lab machine' },
    },
    responses: created(ref('Silence'), 'invalid silence'),
  },
  'PUT /api/v1/silences/:id': {
    tag: 'alerting',
    summary: 'Replace a silence created through the API',
    params: [id('silence id')],
    body: objectBody(ref('Silence'), 'the silence'),
    responses: replaced(ref('Silence'), 'invalid silence', 'no such silence'),
  },
  'DELETE /api/v1/silences/:id': {
    tag: 'alerting',
    summary: 'Delete a silence',
    params: [id('silence id')],
    responses: deleted('no such silence'),
  },
  'GET /api/v1/maintenance': {
    tag: 'alerting',
    summary: 'Maintenance windows (recurring silences kept out of model training)',
    responses: ok('maintenance windows', listOf('maintenance', ref('Maintenance'))),
  },
  'POST /api/v1/maintenance': {
    tag: 'alerting',
    summary: 'Create a maintenance window',
    body: {
      ...objectBody(ref('Maintenance'), 'the window'),
      example: { id: 'nightly-backup', schedule: '0 2 * * *', duration: '45m', match: '{role="db"}' },
    },
    responses: created(ref('Maintenance'), 'invalid window'),
  },
  'PUT /api/v1/maintenance/:id': {
    tag: 'alerting',
    summary: 'Create or replace a maintenance window',
    params: [id('window id')],
    body: objectBody(ref('Maintenance'), 'the window'),
    responses: replaced(ref('Maintenance'), 'invalid window'),
  },
  'DELETE /api/v1/maintenance/:id': {
    tag: 'alerting',
    summary: 'Delete a maintenance window',
    params: [id('window id')],
    responses: deleted('no such window'),
  },
  'GET /api/v1/channels': {
    tag: 'alerting',
    summary: 'Notification channels (secrets masked as `***`) with their delivery counts',
    responses: ok('channels', listOf('channels', ref('Channel'))),
  },
  'POST /api/v1/channels': {
    tag: 'alerting',
    summary: 'Create a channel (slack, email or webhook)',
    body: {
      ...objectBody(ref('Channel'), 'the channel'),
      example: { id: 'ops-hook', type: 'webhook', url: 'https://hooks.example.com/vigil', secret: 'an HMAC secret' },
    },
    responses: created(ref('Channel'), 'invalid channel'),
  },
  'PUT /api/v1/channels/:id': {
    tag: 'alerting',
    summary: 'Create or replace a channel (a masked secret sent back unchanged keeps the stored one)',
    params: [id('channel id')],
    body: objectBody(ref('Channel'), 'the channel'),
    responses: replaced(ref('Channel'), 'invalid channel'),
  },
  'DELETE /api/v1/channels/:id': {
    tag: 'alerting',
    summary: 'Delete a channel',
    params: [id('channel id')],
    responses: deleted('no such channel'),
  },
  'POST /api/v1/channels/:id/test': {
    tag: 'alerting',
    summary: 'Send a test notification directly (not through the outbox)',
    params: [id('channel id')],
    responses: {
      ...ok('outcome', { type: 'object', properties: { ok: { type: 'boolean' }, error: { type: 'string' } } }),
      '404': VIGIL_ERROR('no such channel'),
    },
  },

  // --- demo (registered only by `vigil demo`)
  'GET /api/v1/demo/report': {
    tag: 'demo',
    summary: "The demo's scorecard so far (only on a server started by `vigil demo`)",
    responses: ok('scorecard', {
      type: 'object',
      properties: {
        scenarios: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              expected: { type: 'boolean' },
              caught: { type: 'boolean' },
              delay_s: { type: ['number', 'null'] },
              explanation: { type: ['string', 'null'] },
            },
          },
        },
        false_alerts: { type: 'integer' },
      },
    }),
  },
};

const labelsSchema: Schema = {
  type: 'object',
  additionalProperties: { type: 'string' },
  example: { __name__: 'node_load1', host: 'web-1' },
};
const looseObject = (description: string, properties: Record<string, Schema> = {}): Schema => ({
  type: 'object',
  description,
  properties,
  additionalProperties: true,
});

/** Shared schemas referenced by the route descriptions. */
const SCHEMAS: Record<string, Schema> = {
  Error: {
    type: 'object',
    description: "Vigil's error body. Codes and statuses: docs/errors.md.",
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) }, message: { type: 'string' } },
      },
    },
  },
  Role: { type: 'string', enum: ['viewer', 'editor', 'admin', 'agent'] },
  Labels: labelsSchema,
  KeyInfo: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string', enum: ['agent', 'token'] },
      userId: { type: ['integer', 'null'] },
      prefix: { type: 'string' },
      createdAt: { type: 'integer' },
      revokedAt: { type: ['integer', 'null'] },
      lastUsedAt: { type: ['integer', 'null'] },
    },
  },
  User: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', enum: ['viewer', 'editor', 'admin'] },
      createdAt: { type: 'integer' },
    },
  },
  IngestBatch: {
    type: 'object',
    required: ['series'],
    properties: {
      series: {
        type: 'array',
        items: {
          type: 'object',
          required: ['labels', 'samples'],
          properties: {
            labels: labelsSchema,
            samples: {
              type: 'array',
              items: {
                type: 'array',
                prefixItems: [
                  { type: 'number', description: 'Unix ms' },
                  { oneOf: [{ type: 'number' }, { enum: ['NaN', '+Inf', '-Inf'] }] },
                ],
                minItems: 2,
                maxItems: 2,
              },
            },
          },
        },
      },
    },
  },
  IngestResult: {
    type: 'object',
    properties: {
      accepted: { type: 'integer' },
      rejected: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            series: { type: 'integer' },
            sample: { type: 'integer' },
            reason: { type: 'string', examples: ['out_of_order', 'too_old', 'bad_labels', 'bad_timestamp'] },
            detail: { type: 'string' },
          },
        },
      },
    },
  },
  IngestReport: {
    type: 'object',
    description: 'What was stored and, for the first 100 refusals, why.',
    properties: {
      accepted: { type: 'integer' },
      rejectedCount: { type: 'integer' },
      rejected: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            reason: { type: 'string' },
            detail: { type: 'string' },
            series: { type: 'integer' },
            sample: { type: 'integer' },
            line: { type: 'integer' },
            point: { type: 'integer' },
          },
        },
      },
    },
  },
  RpcStatus: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } } },
  PromSuccess: { type: 'object', required: ['status', 'data'], properties: { status: { const: 'success' }, data: {} } },
  PromError: {
    type: 'object',
    properties: {
      status: { const: 'error' },
      errorType: { type: 'string', enum: ['bad_data', 'execution', 'timeout', 'internal', 'unavailable'] },
      error: { type: 'string' },
    },
  },
  PromQueryData: {
    type: 'object',
    properties: {
      resultType: { type: 'string', enum: ['vector', 'matrix', 'scalar', 'string'] },
      result: { description: 'Prometheus\' result encoding: `[unix seconds, "value"]` pairs' },
    },
  },
  Anomaly: {
    type: 'object',
    properties: {
      tenant: { type: 'string' },
      series: { type: 'string', description: 'series key' },
      labels: labelsSchema,
      t: { type: 'integer', description: 'Unix ms of the scored sample' },
      value: { type: 'number' },
      score: { type: 'number', minimum: 0, maximum: 1 },
      severity: { type: 'string' },
      expected: { type: 'array', items: { type: 'number' }, description: '[lower, upper] band at t' },
      detectors: { type: 'array', items: { type: 'string' } },
      reason: { type: 'string', description: 'one sentence saying why' },
    },
  },
  HostSummary: {
    type: 'object',
    properties: {
      host: { type: 'string' },
      hostId: { type: ['string', 'null'] },
      labels: labelsSchema,
      lastSeen: { type: ['integer', 'null'] },
      status: { type: 'string', enum: ['up', 'down', 'learning'] },
      cpuPct: { type: ['number', 'null'] },
      memPct: { type: ['number', 'null'] },
      diskPct: { type: ['number', 'null'] },
      diskMount: { type: ['string', 'null'] },
      load1: { type: ['number', 'null'] },
    },
  },
  Forecast: looseObject('A forecast: point and interval per step, and time to exhaustion for capacity series (docs/forecasting.md).', {
    series: { type: 'string' },
    labels: labelsSchema,
    host: { type: 'string' },
    resource: { type: 'string' },
    generatedAt: { type: 'integer' },
    stepMs: { type: 'integer' },
    timestamps: { type: 'array', items: { type: 'integer' } },
    point: { type: 'array', items: { type: 'number' } },
    lower: { type: 'array', items: { type: 'number' } },
    upper: { type: 'array', items: { type: 'number' } },
    level: { type: 'number' },
    model: { type: 'string' },
    limit: { type: ['number', 'null'] },
    exhaustion: { type: ['object', 'null'] },
  }),
  CapacityRow: looseObject('One host × resource with its time to exhaustion and bounds.', {
    host: { type: 'string' },
    resource: { type: 'string' },
    target: { type: 'string' },
    used: { type: 'number' },
    limit: { type: 'number' },
    usedRatio: { type: 'number' },
    status: { type: 'string' },
    etaMs: { type: ['number', 'null'] },
    etaLowMs: { type: ['number', 'null'] },
    etaHighMs: { type: ['number', 'null'] },
    etaAt: { type: ['number', 'null'] },
    summary: { type: 'string' },
  }),
  Incident: looseObject('Alerts that started together, ranked by contribution, with acknowledgement and history (docs/alerting.md).'),
  Alert: looseObject("One rule's state for one label set: pending, firing or resolved."),
  Rule: looseObject('A rule: `name`, `type` (threshold, anomaly, forecast, absence), `match`, `for`, … (docs/alerting.md).', {
    name: { type: 'string' },
    type: { type: 'string', enum: ['threshold', 'anomaly', 'forecast', 'absence'] },
    enabled: { type: 'boolean' },
    match: { type: 'string' },
  }),
  Silence: looseObject('Mutes notifications about matching alerts until it expires.', {
    id: { type: 'string' },
    match: { type: 'string' },
    startsAt: { type: 'string' },
    endsAt: { type: 'string' },
    comment: { type: 'string' },
  }),
  Maintenance: looseObject('A recurring silence (five-field cron in UTC + duration) that also keeps the window out of training.', {
    id: { type: 'string' },
    schedule: { type: 'string' },
    duration: { type: 'string' },
    match: { type: 'string' },
  }),
  Channel: looseObject('A notification channel: slack (`url`), email (SMTP keys) or webhook (`url`, `secret`, `format`).', {
    id: { type: 'string' },
    type: { type: 'string', enum: ['slack', 'email', 'webhook'] },
  }),
};

const SECURITY_SCHEMES: Record<string, Schema> = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'An agent key (`vgl_ak_…`, ingest only) or a personal API token (`vgl_pt_…`, acts with its user’s role).',
  },
  basic: {
    type: 'http',
    scheme: 'basic',
    description:
      "A user's name and password (what Grafana's Prometheus data source sends); on ingest routes the password may be an agent key.",
  },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: 'vigil_session',
    description: 'The session cookie set by `POST /api/v1/login`.',
  },
  csrf: {
    type: 'apiKey',
    in: 'header',
    name: 'x-csrf-token',
    description: 'The `csrfToken` from the login answer; required with the session cookie on POST, PUT and DELETE.',
  },
};

const SCOPE_TEXT: Record<AuthScope, string> = {
  public: 'public: no credentials needed',
  ingest: 'ingest: an agent key, or an editor or admin',
  read: 'read: any signed-in user or personal token (viewer, editor, admin); agent keys are refused',
  write: 'write: an editor or admin',
  admin: 'admin: an admin',
};

function security(scope: AuthScope, method: string): Record<string, string[]>[] {
  if (scope === 'public') return [];
  const sessionReq: Record<string, string[]> = method === 'GET' ? { session: [] } : { session: [], csrf: [] };
  if (scope === 'ingest') return [{ bearer: [] }, { basic: [] }];
  return [{ bearer: [] }, { basic: [] }, sessionReq];
}

/** Converts a Fastify URL (`/a/:id`, `/*`) to an OpenAPI path (`/a/{id}`, `/{path}`). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

function pathParams(url: string, described: readonly ParamDoc[]): ParamDoc[] {
  const names = [...openApiPath(url).matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  return names
    .filter((n) => !described.some((p) => p.in === 'path' && p.name === n))
    .map((n) => ({
      name: n,
      in: 'path',
      required: true,
      description: n === 'path' ? 'any path outside /api/' : n,
      schema: { type: 'string' },
    }));
}

/** Key under which a registered route is described in ROUTE_DOCS. */
export function routeKey(r: Pick<RouteInfo, 'method' | 'url'>): string {
  return `${r.method} ${r.url}`;
}

/** The registered routes that ROUTE_DOCS does not describe (a test requires this list to be empty). */
export function undocumentedRoutes(routes: readonly RouteInfo[]): RouteInfo[] {
  return routes.filter((r) => ROUTE_DOCS[routeKey(r)] === undefined);
}

/** Options of the document. */
export interface OpenApiOptions {
  /** Vigil's version for `info.version`. */
  version: string;
  /** Descriptions to use instead of ROUTE_DOCS (tests). */
  docs?: Readonly<Record<string, RouteDoc>>;
}

/** An OpenAPI 3.1 document as plain data. */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> };

/**
 * Builds the OpenAPI 3.1 document from the routes the server actually registered, each merged with its
 * hand-written description; a registered route without a description is still listed, marked undocumented.
 */
export function buildOpenApi(routes: readonly RouteInfo[], opts: OpenApiOptions): OpenApiDocument {
  const docs = opts.docs ?? ROUTE_DOCS;
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  const sorted = [...routes].sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url < b.url ? -1 : 1));
  for (const r of sorted) {
    const d = docs[routeKey(r)];
    const path = openApiPath(r.url);
    const method = r.method.toLowerCase();
    const params = d?.params ?? [];
    const responses: Record<string, unknown> = {};
    for (const [status, resp] of Object.entries(d?.responses ?? { default: { description: 'not described yet' } })) {
      responses[status] = {
        description: resp.description,
        ...(resp.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(resp.headers).map(([h, t]) => [h, { description: t, schema: { type: 'string' } }]),
              ),
            }
          : {}),
        ...(resp.content ? { content: Object.fromEntries(Object.entries(resp.content).map(([t, s]) => [t, { schema: s }])) } : {}),
      };
    }
    if (r.auth !== 'public') {
      responses['401'] ??= {
        description: 'no or invalid credentials (`UNAUTHENTICATED`)',
        content: { 'application/json': { schema: ref('Error') } },
      };
      responses['403'] ??= {
        description: `the caller's role is not enough (\`FORBIDDEN\`); needs ${r.auth}`,
        content: { 'application/json': { schema: ref('Error') } },
      };
      responses['429'] ??= {
        description: 'rate limit (`RATE_LIMITED`, with Retry-After)',
        content: { 'application/json': { schema: ref('Error') } },
      };
    }
    const tag = d?.tag ?? 'undocumented';
    tags.add(tag);
    const op: Record<string, unknown> = {
      operationId: `${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: [tag],
      summary: d?.summary ?? 'Undocumented route',
      description: [d?.description, `Access — ${SCOPE_TEXT[r.auth]}.`].filter(Boolean).join('\n\n'),
      'x-vigil-scope': r.auth,
      security: security(r.auth, r.method),
      parameters: [...pathParams(r.url, params), ...params].map((p) => ({
        name: p.name,
        in: p.in,
        description: p.description,
        required: p.in === 'path' ? true : (p.required ?? false),
        schema: p.schema ?? { type: 'string' },
      })),
      responses,
    };
    if (d?.body) {
      op.requestBody = {
        required: d.body.required ?? false,
        ...(d.body.description ? { description: d.body.description } : {}),
        content: Object.fromEntries(
          Object.entries(d.body.content).map(([t, s]) => [
            t,
            { schema: s, ...(d.body?.example !== undefined ? { example: d.body.example } : {}) },
          ]),
        ),
      };
    }
    paths[path] = { ...paths[path], [method]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil HTTP API',
      version: opts.version,
      description:
        'Every route of this server, with the access it requires. Errors answer `{"error": {"code", "message"}}` ' +
        'with a code from docs/errors.md, except on the Prometheus-compatible routes (Prometheus’ own error body) ' +
        'and the OTLP and Influx receivers (their protocols’ error bodies). Timestamps are Unix milliseconds unless said otherwise.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: { schemas: SCHEMAS, securitySchemes: SECURITY_SCHEMES },
  };
}
