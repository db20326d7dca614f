import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/index.js';
import { registerPromApiRoutes } from './http.js';
import { MemoryQuerier } from './testing/memory-querier.js';
import type { VirtualSeriesProvider } from './virtual-series.js';

const T0 = 1_700_000_000_000;

function build(): FastifyInstance {
  const q = new MemoryQuerier();
  const ts = Array.from({ length: 61 }, (_, i) => T0 + i * 15_000);
  q.add(
    'acme',
    { __name__: 'up', job: 'node', instance: 'a' },
    ts,
    ts.map(() => 1),
  );
  q.add(
    'acme',
    { __name__: 'up', job: 'node', instance: 'b' },
    ts,
    ts.map((_, i) => (i < 30 ? 1 : 0)),
  );
  q.add(
    'acme',
    { __name__: 'requests_total', instance: 'a' },
    ts,
    ts.map((_, i) => i * 30),
  );
  q.add(
    'other',
    { __name__: 'up', job: 'secret', instance: 'x' },
    ts,
    ts.map(() => 1),
  );
  const anomaly: VirtualSeriesProvider = {
    metricNames: ['vigil_anomaly_score'],
    async series(tenant) {
      return tenant === 'acme' ? [{ __name__: 'vigil_anomaly_score', instance: 'a' }] : [];
    },
    async select(tenant, _m, start, end) {
      if (tenant !== 'acme') return [];
      const t = ts.filter((x) => x >= start && x <= end);
      return [{ labels: { __name__: 'vigil_anomaly_score', instance: 'a' }, timestamps: t, values: t.map(() => 0.25) }];
    },
  };
  const app = Fastify();
  app.addHook('onRequest', async (req) => {
    req.tenant = (req.headers['x-tenant'] as string | undefined) ?? 'acme';
  });
  registerPromApiRoutes(app, { querier: q, logger: silentLogger(), extraSeries: [anomaly] });
  return app;
}

describe('Prometheus HTTP API routes', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = build();
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers an instant query in Prometheus format', async () => {
    const res = await app.inject({ url: `/api/v1/query?query=up&time=${(T0 + 600_000) / 1000}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('vector');
    const byInstance = Object.fromEntries(
      body.data.result.map((r: { metric: { instance: string }; value: [number, string] }) => [r.metric.instance, r.value]),
    );
    expect(byInstance).toEqual({ a: [(T0 + 600_000) / 1000, '1'], b: [(T0 + 600_000) / 1000, '0'] });
  });

  it('answers a range query sent as a form-encoded POST, as Grafana does', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/query_range',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `query=${encodeURIComponent('rate(requests_total[1m])')}&start=${T0 / 1000 + 60}&end=${T0 / 1000 + 120}&step=30`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data.resultType).toBe('matrix');
    expect(body.data.result).toEqual([
      {
        metric: { instance: 'a' },
        values: [
          [T0 / 1000 + 60, '2'],
          [T0 / 1000 + 90, '2'],
          [T0 / 1000 + 120, '2'],
        ],
      },
    ]);
  });

  it('scopes every query to the request tenant', async () => {
    const res = await app.inject({ url: `/api/v1/query?query=up&time=${(T0 + 600_000) / 1000}`, headers: { 'x-tenant': 'other' } });
    expect(res.json().data.result.map((r: { metric: { job: string } }) => r.metric.job)).toEqual(['secret']);
    const labels = await app.inject({ url: '/api/v1/label/job/values', headers: { 'x-tenant': 'acme' } });
    expect(labels.json()).toEqual({ status: 'success', data: ['node'] });
  });

  it('returns scalars, strings and raw range vectors', async () => {
    const scalar = await app.inject({ url: '/api/v1/query?query=1%2B2&time=100' });
    expect(scalar.json().data).toEqual({ resultType: 'scalar', result: [100, '3'] });
    const str = await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('"hi"')}&time=100.5` });
    expect(str.json().data).toEqual({ resultType: 'string', result: [100.5, 'hi'] });
    const raw = await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('requests_total[30s]')}&time=${(T0 + 30_000) / 1000}` });
    expect(raw.json().data.result[0].values).toEqual([
      [T0 / 1000, '0'],
      [T0 / 1000 + 15, '30'],
      [T0 / 1000 + 30, '60'],
    ]);
  });

  it('serves virtual series next to stored ones', async () => {
    const res = await app.inject({ url: `/api/v1/query?query=vigil_anomaly_score&time=${(T0 + 60_000) / 1000}` });
    expect(res.json().data.result).toEqual([
      { metric: { __name__: 'vigil_anomaly_score', instance: 'a' }, value: [(T0 + 60_000) / 1000, '0.25'] },
    ]);
    const names = await app.inject({ url: '/api/v1/label/__name__/values' });
    expect(names.json().data).toEqual(['requests_total', 'up', 'vigil_anomaly_score']);
    const other = await app.inject({ url: '/api/v1/label/__name__/values', headers: { 'x-tenant': 'other' } });
    expect(other.json().data).toEqual(['up']);
  });

  it('lists series and label names', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/series',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'match[]=up&match[]=requests_total',
    });
    expect(res.json().data).toEqual([
      { __name__: 'requests_total', instance: 'a' },
      { __name__: 'up', instance: 'a', job: 'node' },
      { __name__: 'up', instance: 'b', job: 'node' },
    ]);
    const names = await app.inject({ url: '/api/v1/labels?match[]=up' });
    expect(names.json().data).toEqual(['__name__', 'instance', 'job']);
    const none = await app.inject({ url: '/api/v1/series' });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
  });

  it('reports errors in Prometheus format', async () => {
    const parse = await app.inject({ url: '/api/v1/query?query=sum(' });
    expect(parse.statusCode).toBe(400);
    expect(parse.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(parse.json().error).toMatch(/^invalid parameter "query": 1:\d+: parse error/);
    const unsupported = await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('rate(up[5m:1m])')}` });
    expect(unsupported.json().error).toContain('a subquery');
    const fn = await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('holt_winters(up[5m], 0.5, 0.5)')}` });
    expect(fn.json().error).toContain('the function "holt_winters"');
    const range = await app.inject({ url: '/api/v1/query_range?query=up&start=10&end=5&step=1' });
    expect(range.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'end timestamp must not be before start time' });
    const step = await app.inject({ url: '/api/v1/query_range?query=up&start=1&end=5&step=0' });
    expect(step.json().error).toBe('zero or negative query resolution step widths are not accepted. Try a positive integer');
    const tooMany = await app.inject({ url: '/api/v1/query_range?query=up&start=0&end=100000&step=1' });
    expect(tooMany.json().error).toContain('exceeded maximum resolution of 11,000 points');
    const badTime = await app.inject({ url: '/api/v1/query?query=up&time=yesterday' });
    expect(badTime.json().error).toBe('invalid parameter "time": cannot parse "yesterday" to a valid timestamp');
    const matrix = await app.inject({ url: `/api/v1/query_range?query=${encodeURIComponent('up[5m]')}&start=1&end=5&step=1` });
    expect(matrix.json().error).toBe(
      'invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    );
    const exec = await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('up + on() up')}&time=${T0 / 1000 + 60}` });
    expect(exec.statusCode).toBe(422);
    expect(exec.json().errorType).toBe('execution');
  });

  it('reports a build version Grafana understands', async () => {
    const res = await app.inject({ url: '/api/v1/status/buildinfo' });
    expect(res.json().data.version).toBe('2.42.0');
  });
});
