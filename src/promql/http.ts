import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type LabelMatcher, type Labels, type Logger, seriesKey, VigilError } from '../core/index.js';
import type { Querier } from '../tsdb/index.js';
import { PromQLEngine, type QueryResult } from './engine.js';
import { parseGoFloat, parsePromDuration, parseQuery } from './parse.js';
import { compareLabels, formatTimestamp, formatValue, sortLabels } from './values.js';
import { type VirtualSeriesProvider, withVirtualSeries } from './virtual-series.js';

/** What the Prometheus-compatible routes need. */
export interface PromApiDeps {
  /** The store (or any Querier); every call is scoped to `request.tenant`. */
  querier: Querier;
  logger: Logger;
  /** Computed series (anomaly scores, bands, forecasts) merged with stored ones. */
  extraSeries?: VirtualSeriesProvider[];
  /** Instant-selector lookback, ms; default 5 minutes as in Prometheus. */
  lookbackDeltaMs?: number;
  /** Most samples one query may load; default 50,000,000 as in Prometheus. */
  maxSamples?: number;
  /** Longest a query may run, ms; default 2 minutes as in Prometheus. */
  timeoutMs?: number;
}

/** The Prometheus version whose HTTP API and PromQL semantics Vigil answers with (reported by buildinfo). */
export const PROMETHEUS_COMPAT_VERSION = '2.42.0';

type ErrorType = 'bad_data' | 'execution' | 'timeout' | 'internal' | 'unavailable';

class ApiError extends Error {
  constructor(
    readonly errorType: ErrorType,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const badData = (message: string) => new ApiError('bad_data', message, 400);
const invalidParam = (name: string, message: string) => badData(`invalid parameter "${name}": ${message}`);

/** Request parameters from the URL and a form-encoded body, body values first (Go's `Request.Form`). */
class Params {
  private readonly body: URLSearchParams;
  private readonly query: URLSearchParams;

  constructor(req: FastifyRequest) {
    this.query = new URL(req.url, 'http://localhost').searchParams;
    this.body = typeof req.body === 'string' ? new URLSearchParams(req.body) : new URLSearchParams();
  }

  get(name: string): string | undefined {
    return this.body.get(name) ?? this.query.get(name) ?? undefined;
  }

  all(name: string): string[] {
    return [...this.body.getAll(name), ...this.query.getAll(name)];
  }
}

/** Parses a timestamp parameter as Prometheus does: float Unix seconds or RFC 3339; returns Unix ms. */
export function parseTimeParam(text: string): number | null {
  const f = parseGoFloat(text);
  if (f !== null) {
    if (!Number.isFinite(f)) return null;
    const secs = Math.trunc(f);
    return secs * 1000 + Math.round((f - secs) * 1000);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** Parses a duration parameter as Prometheus does: float seconds or a duration like `15s`; returns ms. */
export function parseDurationParam(text: string): number | null {
  const f = parseGoFloat(text);
  if (f !== null) return Number.isFinite(f) ? Math.trunc(f * 1000) : null;
  return parsePromDuration(text);
}

function time(p: Params, name: string, fallback: number | undefined): number {
  const raw = p.get(name);
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw invalidParam(name, `cannot parse "" to a valid timestamp`);
  }
  const t = parseTimeParam(raw);
  if (t === null) throw invalidParam(name, `cannot parse "${raw}" to a valid timestamp`);
  return t;
}

function toApiError(e: unknown, log: Logger, queryParam: boolean): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof VigilError) {
    switch (e.code) {
      case 'BAD_QUERY':
      case 'UNSUPPORTED_QUERY':
        return new ApiError('bad_data', queryParam ? `invalid parameter "query": ${e.message}` : e.message, e.status);
      case 'BAD_REQUEST':
        return badData(e.message);
      case 'QUERY_FAILED':
        return new ApiError('execution', e.message, 422);
      case 'QUERY_TIMEOUT':
        return new ApiError('timeout', e.message, 503);
      case 'STORAGE_CLOSED':
      case 'NOT_READY':
        return new ApiError('unavailable', e.message, 503);
      default:
        break;
    }
  }
  log.error({ err: e }, 'query API failed');
  return new ApiError('internal', 'internal error; see the server log', 500);
}

function sendError(reply: FastifyReply, err: ApiError): void {
  void reply.status(err.status).send({ status: 'error', errorType: err.errorType, error: err.message });
}

function sendData(reply: FastifyReply, data: unknown): void {
  void reply.status(200).send({ status: 'success', data });
}

/** Converts an engine result into Prometheus' JSON `data` object. */
export function resultToJson(r: QueryResult): { resultType: string; result: unknown } {
  switch (r.resultType) {
    case 'scalar':
      return { resultType: 'scalar', result: [formatTimestamp(r.t), formatValue(r.v)] };
    case 'string':
      return { resultType: 'string', result: [formatTimestamp(r.t), r.value] };
    case 'vector':
      return {
        resultType: 'vector',
        result: r.result.map((s) => ({ metric: sortLabels(s.labels), value: [formatTimestamp(s.t), formatValue(s.v)] })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: r.result.map((s) => ({
          metric: sortLabels(s.labels),
          values: s.timestamps.map((t, i) => [formatTimestamp(t), formatValue(s.values[i] as number)]),
        })),
      };
  }
}

function tenantOf(req: FastifyRequest): string {
  const tenant = req.tenant;
  if (typeof tenant !== 'string' || tenant === '')
    throw new ApiError('internal', 'request has no tenant; the authentication hook did not run', 500);
  return tenant;
}

function matchersParam(p: Params, required: boolean): LabelMatcher[][] {
  const raw = p.all('match[]');
  if (raw.length === 0 && required) throw badData('no match[] parameter provided');
  return raw.map((text) => {
    let e: ReturnType<typeof parseQuery>;
    try {
      e = parseQuery(text);
    } catch (err) {
      throw invalidParam('match[]', (err as Error).message);
    }
    if (e.type !== 'vector' || e.offsetMs !== 0 || e.at !== undefined)
      throw invalidParam('match[]', `1:1: parse error: expected a series selector, got "${text}"`);
    return e.matchers;
  });
}

function timeoutParam(p: Params, max: number): number {
  const raw = p.get('timeout');
  if (raw === undefined || raw === '') return max;
  const ms = parseDurationParam(raw);
  if (ms === null) throw invalidParam('timeout', `cannot parse "${raw}" to a valid duration`);
  return Math.min(ms, max);
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Registers the Prometheus HTTP API subset (`/api/v1/query`, `query_range`, `series`, `labels`,
 * `label/:name/values`, `status/buildinfo`, `metadata`) with Prometheus' response and error bodies.
 * Routes require `read`; every storage call is scoped to `request.tenant`.
 */
export function registerPromApiRoutes(app: FastifyInstance, deps: PromApiDeps): void {
  const querier = withVirtualSeries(deps.querier, deps.extraSeries ?? []);
  const maxTimeout = deps.timeoutMs ?? 120_000;
  const engineFor = (timeoutMs: number) =>
    new PromQLEngine({ querier, lookbackDeltaMs: deps.lookbackDeltaMs, maxSamples: deps.maxSamples, timeoutMs });
  const log = deps.logger;

  const handle =
    (queryParam: boolean, fn: (req: FastifyRequest, p: Params) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      try {
        const p = new Params(req);
        sendData(reply, await fn(req, p));
      } catch (e) {
        sendError(reply, toApiError(e, log, queryParam));
      }
    };

  const query = handle(true, async (req, p) => {
    const tenant = tenantOf(req);
    const t = time(p, 'time', Date.now());
    const q = p.get('query') ?? '';
    return resultToJson(await engineFor(timeoutParam(p, maxTimeout)).instantQuery(tenant, q, t));
  });

  const queryRange = handle(true, async (req, p) => {
    const tenant = tenantOf(req);
    const start = time(p, 'start', undefined);
    const end = time(p, 'end', undefined);
    if (end < start) throw badData('end timestamp must not be before start time');
    const stepRaw = p.get('step') ?? '';
    const step = parseDurationParam(stepRaw);
    if (step === null) throw invalidParam('step', `cannot parse "${stepRaw}" to a valid duration`);
    if (step <= 0) throw badData('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (Math.trunc((end - start) / step) > 11000) {
      throw badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    const q = p.get('query') ?? '';
    return resultToJson(await engineFor(timeoutParam(p, maxTimeout)).rangeQuery(tenant, q, start, end, step));
  });

  const range = (p: Params): { start: number; end: number } | undefined => {
    const hasStart = (p.get('start') ?? '') !== '';
    const hasEnd = (p.get('end') ?? '') !== '';
    if (!hasStart && !hasEnd) return undefined;
    return { start: time(p, 'start', Number.MIN_SAFE_INTEGER), end: time(p, 'end', Number.MAX_SAFE_INTEGER) };
  };

  const series = handle(false, async (req, p) => {
    const tenant = tenantOf(req);
    const sets = matchersParam(p, true);
    const r = range(p);
    const byKey = new Map<string, Labels>();
    for (const m of sets) for (const s of await querier.series(tenant, m, r)) byKey.set(seriesKey(s.labels), sortLabels(s.labels));
    return [...byKey.values()].sort(compareLabels);
  });

  const labels = handle(false, async (req, p) => {
    const tenant = tenantOf(req);
    const sets = matchersParam(p, false);
    const names = new Set<string>();
    for (const m of sets.length === 0 ? [undefined] : sets) for (const n of await querier.labelNames(tenant, m)) names.add(n);
    return [...names].sort();
  });

  const labelValues = handle(false, async (req, p) => {
    const tenant = tenantOf(req);
    const name = (req.params as { name: string }).name;
    if (!LABEL_NAME_RE.test(name)) throw badData(`invalid label name: "${name}"`);
    const sets = matchersParam(p, false);
    const values = new Set<string>();
    for (const m of sets.length === 0 ? [undefined] : sets) for (const v of await querier.labelValues(tenant, name, m)) values.add(v);
    return [...values].sort();
  });

  const buildinfo = handle(false, async () => ({
    version: PROMETHEUS_COMPAT_VERSION,
    revision: 'vigil',
    branch: 'vigil',
    buildUser: 'vigil',
    buildDate: '',
    goVersion: '',
    application: 'vigil',
  }));

  const metadata = handle(false, async () => ({}));

  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, _req, reply) => {
      const status = typeof (err as { statusCode?: number }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
      if (status >= 500) {
        log.error({ err }, 'query API failed');
        sendError(reply, new ApiError('internal', 'internal error; see the server log', 500));
      } else sendError(reply, new ApiError('bad_data', err instanceof Error ? err.message : String(err), status));
    });
    const config = { auth: 'read' as const };
    scope.get('/api/v1/query', { config }, query);
    scope.post('/api/v1/query', { config }, query);
    scope.get('/api/v1/query_range', { config }, queryRange);
    scope.post('/api/v1/query_range', { config }, queryRange);
    scope.get('/api/v1/series', { config }, series);
    scope.post('/api/v1/series', { config }, series);
    scope.get('/api/v1/labels', { config }, labels);
    scope.post('/api/v1/labels', { config }, labels);
    scope.get('/api/v1/label/:name/values', { config }, labelValues);
    scope.get('/api/v1/status/buildinfo', { config }, buildinfo);
    scope.get('/api/v1/metadata', { config }, metadata);
  });
}
