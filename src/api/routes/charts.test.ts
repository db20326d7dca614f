import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type SeriesSamples, silentLogger } from '../../core/index.js';
import { openStorage, type Storage } from '../../tsdb/index.js';
import { createApp } from '../app.js';
import { AuthStore } from '../auth/auth-store.js';
import { type ChartSeries, parseChartQuery, registerChartRoutes } from './charts.js';

const NOW = 1_763_800_200_000;
const STEP = 10_000;
const HOUR = 3_600_000;
const START = NOW - HOUR;
const AUTH = { authorization: `Basic ${Buffer.from('admin:correct-horse-battery').toString('base64')}` };

/** Samples every 10 s over the last hour. */
function series(labels: Record<string, string>, value: (k: number) => number): SeriesSamples {
  const timestamps = Array.from({ length: HOUR / STEP + 1 }, (_, k) => START + k * STEP);
  return { labels, timestamps, values: timestamps.map((_, k) => value(k)) };
}

interface ChartsBody {
  start: number;
  step: number;
  points: number;
  results: { series: ChartSeries[] }[];
}

describe('chart data (GET /api/v1/charts)', () => {
  let dir: string;
  let storage: Storage;
  let auth: AuthStore;
  let app: FastifyInstance;
  const clock = new FakeClock(NOW);

  const get = (params: Record<string, string | number | string[]>, headers: Record<string, string> = AUTH) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, String(x));
    return app.inject({ method: 'GET', url: `/api/v1/charts?${p}`, headers });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-charts-'));
    storage = await openStorage({ dir: join(dir, 'tsdb'), clock });
    const r = await storage.append('default', [
      series({ __name__: 'node_load1', host: 'web-1' }, (k) => k % 6),
      series({ __name__: 'node_load5', host: 'web-1' }, (k) => (k === 100 ? Number.NaN : 2)),
      series({ __name__: 'node_cpu_seconds_total', host: 'web-1', cpu: '0', mode: 'idle' }, (k) => 1000 + 5 * k),
      series({ __name__: 'node_load1', host: 'db-1' }, () => 7),
    ]);
    expect(r.rejected).toEqual([]);
    await storage.append('other', [series({ __name__: 'node_load1', host: 'web-1' }, () => 99)]);
    auth = new AuthStore(join(dir, 'vigil.db'));
    await auth.bootstrap({ adminPassword: 'correct-horse-battery' });
    app = createApp({ logger: silentLogger(), auth, bodyLimit: 1 << 20, rateLimit: 1000 });
    registerChartRoutes(app, { querier: storage, maxPoints: 500 });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await storage?.close();
    auth?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each query with the store’s step aggregation on one dense grid, in the order asked', async () => {
    const step = 60_000;
    const start = START + 5 * step;
    const end = NOW;
    const res = await get({
      start,
      end,
      step,
      q: ['rate:node_cpu_seconds_total{host="web-1"}', 'max:{__name__=~"node_load1|node_load5",host="web-1"}', 'avg:node_load1'],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as ChartsBody;
    const points = Math.floor((end - start) / step) + 1;
    expect(body).toMatchObject({ start, step, points });
    expect(body.results).toHaveLength(3);

    const [rate, max, avg] = body.results as [ChartsBody['results'][0], ChartsBody['results'][0], ChartsBody['results'][0]];
    // A counter growing by 5 every 10 s is 0.5/s in every bucket.
    expect(rate.series).toHaveLength(1);
    expect(rate.series[0]!.labels).toEqual({ __name__: 'node_cpu_seconds_total', host: 'web-1', cpu: '0', mode: 'idle' });
    expect(rate.series[0]!.values).toEqual(new Array(points).fill(0.5));
    // Series sorted by labels; node_load1 cycles 0…5 every minute, so every 1-minute bucket's max is 5.
    expect(max.series.map((s) => s.labels.__name__)).toEqual(['node_load1', 'node_load5']);
    expect(max.series[0]!.values).toEqual(new Array(points).fill(5));
    // The whole tenant's node_load1, each series exactly as the store's own selectStep gives it.
    expect(avg.series.map((s) => s.labels.host)).toEqual(['db-1', 'web-1']);
    const direct = await storage.selectStep('default', [{ name: '__name__', op: '=', value: 'node_load1' }], {
      start,
      end,
      step,
      agg: 'avg',
    });
    for (const s of avg.series) {
      const d = direct.find((x) => x.labels.host === s.labels.host)!;
      const dense = new Array(points).fill(null);
      d.timestamps.forEach((t, i) => {
        dense[(t - start) / step] = d.values[i];
      });
      expect(s.values).toEqual(dense);
    }
  });

  it('writes NaN as the string "NaN" and an empty bucket as null', async () => {
    // Bucket (t−10 s, t] at 10 s steps holds exactly one sample: sample 100 of node_load5 is NaN.
    const res = await get({ start: START - 2 * STEP, end: START + 101 * STEP, step: STEP, q: 'last:node_load5' });
    expect(res.statusCode).toBe(200);
    const values = (res.json() as ChartsBody).results[0]!.series[0]!.values;
    expect(values.slice(0, 2)).toEqual([null, null]);
    expect(values[2]).toBe(2);
    expect(values[102]).toBe('NaN');
    expect(values[103]).toBe(2);
  });

  it('shows only the caller’s tenant', async () => {
    const res = await get({ start: START, end: NOW, step: 600_000, q: 'avg:node_load1{host="web-1"}' });
    const values = (res.json() as ChartsBody).results[0]!.series[0]!.values;
    expect(values.every((v) => v === null || (typeof v === 'number' && v < 6))).toBe(true);
  });

  it('requires a login and rejects bad parameters with a message naming them', async () => {
    expect((await get({ start: START, end: NOW, step: 60_000, q: 'avg:node_load1' }, {})).statusCode).toBe(401);
    const cases: [Record<string, string | number | string[]>, number, string][] = [
      [{ start: START, end: NOW, step: 60_000 }, 400, 'q=<aggregation>:<selector>'],
      [{ start: START, end: NOW, step: 60_000, q: 'median:node_load1' }, 400, 'aggregation one of avg'],
      [{ start: START, end: NOW, step: 60_000, q: 'avg:node_load1{host=web}' }, 400, 'cannot parse matcher'],
      [{ start: START, end: NOW, step: 60_000, q: 'avg:{host=~".*"}' }, 400, 'does not match the empty string'],
      [{ start: 'yesterday', end: NOW, step: 60_000, q: 'avg:node_load1' }, 400, 'start must be an integer'],
      [{ start: START, end: NOW, step: 0, q: 'avg:node_load1' }, 400, 'step must be > 0'],
      [{ start: NOW, end: START, step: 60_000, q: 'avg:node_load1' }, 400, 'end must not be before start'],
      [{ start: START, end: NOW, step: 1000, q: 'avg:node_load1' }, 400, 'at most 500 points'],
    ];
    for (const [params, status, message] of cases) {
      const res = await get(params);
      expect(res.statusCode, JSON.stringify(params)).toBe(status);
      expect(res.body).toContain(message);
    }
  });

  it('parses <aggregation>:<selector>, keeping colons of recording-rule names', () => {
    expect(parseChartQuery('rate:job:requests:rate5m{env="prod"}')).toEqual({
      agg: 'rate',
      matchers: [
        { name: '__name__', op: '=', value: 'job:requests:rate5m' },
        { name: 'env', op: '=', value: 'prod' },
      ],
    });
  });
});
