/**
 * Staleness markers end to end, against the real thing. The same hand-built remote_write requests, carrying
 * Prometheus' staleness marker (the NaN 0x7ff0000000000002) and ordinary NaNs of several bit patterns, go to
 * Debian's `prometheus` (remote-write receiver on) and to a real Vigil server (remote_write route → ingest
 * pipeline → embedded store → PromQL API). Instant queries before, at and after the markers, range queries
 * whose steps cross them, range functions over windows holding them and `/api/v1/series` must answer the same:
 * same series, timestamps, values within 1e-9 relative, absent where Prometheus is absent.
 * A user's NaN sent through Vigil's other protocols (JSON, OTLP, Influx) must behave as Prometheus' ordinary NaN.
 */
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryAvailable, PROMETHEUS_BIN, type PrometheusHandle, startPrometheus } from '../../test/support/prometheus.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { STALE_MARKER as STALE, type WireValue, wireWriteRequest } from '../ingest/remote-write/testing/wire.js';
import { type ApiData, diffResults } from './testing/compare.js';
import { isStaleNaN, STALE_NAN } from './values.js';

const peerInstalled = binaryAvailable(PROMETHEUS_BIN);

interface Answer {
  status: number;
  body: { status: string; data?: unknown; errorType?: string; error?: string };
}

async function send(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

async function remoteWrite(base: string, request: Buffer, auth?: string): Promise<void> {
  const r = await send(`${base}/api/v1/write`, new Uint8Array(compressSync(request)), {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'snappy',
    'x-prometheus-remote-write-version': '0.1.0',
    ...(auth === undefined ? {} : { authorization: auth }),
  });
  if (r.status !== 204 && r.status !== 200) throw new Error(`remote_write to ${base}: ${r.status} ${r.text}`);
}

async function get(base: string, path: string, params: Record<string, string>, auth?: string): Promise<Answer> {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`, auth === undefined ? {} : { headers: { authorization: auth } });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const S = 1000;
/**
 * Start of the hand-built data: a whole minute about 30 minutes ago (inside both stores' appendable window), moved
 * to the next 2-hour boundary when one falls inside the scenario's 800 s. Prometheus cuts a series' head chunk at
 * those boundaries and lists series in `/api/v1/series` by chunk overlap, so a boundary inside the gap of the `gap`
 * series changed its answer for [136 s, 290 s] (a failure seen at 04:27 UTC, T0 = 03:57).
 */
const T0 = ((): number => {
  const t = Math.floor((Date.now() - 30 * 60 * S) / (60 * S)) * 60 * S;
  const boundary = Math.ceil(t / (2 * 3600 * S)) * 2 * 3600 * S;
  return boundary > t && boundary <= t + 800 * S ? boundary : t;
})();
const at = (seconds: number) => T0 + seconds * S;
const secs = (ms: number) => (ms / 1000).toFixed(3);

/** 15 s scrapes at i = from..to (inclusive), as [seconds, value]. */
function scrapes(from: number, to: number, value: (i: number) => number): [number, WireValue][] {
  const out: [number, WireValue][] = [];
  for (let i = from; i <= to; i++) out.push([i * 15, value(i)]);
  return out;
}

/** An ordinary NaN between two numbers, at 60 s. */
const nanBetween = (bits: string): [number, WireValue][] => [
  [0, 1.5],
  [60, { bits }],
  [120, 2.5],
];

/**
 * The scenario, as Prometheus' own scrape loop would produce it. A marker follows the last scrape of a target
 * that went away; `gap` comes back at 300 s (a counter reset for the counter), `end` never does, `only` is a
 * series known only by its marker, `early` starts with markers. `user_nan` holds ordinary NaNs, two of them
 * sharing the marker's payload without being the marker (Prometheus compares all 64 bits).
 */
const SCENARIO: { labels: Record<string, string>; points: [number, WireValue][] }[] = [
  {
    labels: { __name__: 'stale_gauge', case: 'gap' },
    points: [...scrapes(0, 8, (i) => 10 + i * 0.75), [135, STALE], ...scrapes(20, 28, (i) => 40 - i * 0.5)],
  },
  { labels: { __name__: 'stale_gauge', case: 'end' }, points: [...scrapes(0, 8, (i) => 0.1 * i * i), [135, STALE]] },
  { labels: { __name__: 'stale_gauge', case: 'int' }, points: [...scrapes(0, 8, (i) => i + 1), [135, STALE]] },
  { labels: { __name__: 'stale_gauge', case: 'only' }, points: [[135, STALE]] },
  { labels: { __name__: 'stale_gauge', case: 'early' }, points: [[0, STALE], [15, STALE], ...scrapes(2, 4, (i) => i / 3), [75, STALE]] },
  {
    labels: { __name__: 'stale_counter_total', case: 'gap' },
    points: [...scrapes(0, 8, (i) => 100 + i * 3.5), [135, STALE], ...scrapes(20, 28, (i) => 5 + (i - 20) * 2.25)],
  },
  { labels: { __name__: 'user_nan', bits: 'quiet' }, points: nanBetween('7ff8000000000000') },
  { labels: { __name__: 'user_nan', bits: 'x86-default' }, points: nanBetween('fff8000000000000') },
  { labels: { __name__: 'user_nan', bits: 'payload-1' }, points: nanBetween('7ff8000000000001') },
  { labels: { __name__: 'user_nan', bits: 'quiet-payload-2' }, points: nanBetween('7ff8000000000002') },
  { labels: { __name__: 'user_nan', bits: 'negative-payload-2' }, points: nanBetween('fff0000000000002') },
];

/**
 * The requests both stores receive, in time order: one per scrape instant with every series' sample at that
 * instant (so a marker is the only sample of its series in its request), then the `int` series whole.
 */
function requests(): Buffer[] {
  const instants = [...new Set(SCENARIO.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  const perInstant = SCENARIO.filter((s) => s.labels.case !== 'int');
  const out = instants.map((sec) =>
    wireWriteRequest(
      perInstant.flatMap((s) => {
        const points = s.points.filter(([t]) => t === sec).map(([t, v]): [number, WireValue] => [at(t), v]);
        return points.length === 0 ? [] : [{ labels: s.labels, points }];
      }),
    ),
  );
  const whole = SCENARIO.filter((s) => s.labels.case === 'int');
  out.push(wireWriteRequest(whole.map((s) => ({ labels: s.labels, points: s.points.map(([t, v]): [number, WireValue] => [at(t), v]) }))));
  return out;
}

const INSTANT_QUERIES = [
  'stale_gauge',
  'stale_counter_total',
  'user_nan',
  'stale_gauge offset 1m',
  'timestamp(stale_gauge)',
  'sum(stale_gauge)',
  'count(stale_gauge)',
  'rate(stale_counter_total[1m])',
  'rate(stale_counter_total[5m])',
  'increase(stale_counter_total[3m])',
  'irate(stale_counter_total[1m])',
  'resets(stale_counter_total[10m])',
  'delta(stale_gauge[2m])',
  'deriv(stale_gauge[2m])',
  'avg_over_time(stale_gauge[1m])',
  'avg_over_time(stale_gauge[5m])',
  'count_over_time(stale_gauge[1m])',
  'count_over_time(stale_gauge[5m])',
  'sum_over_time(stale_gauge[2m])',
  'min_over_time(stale_gauge[2m])',
  'max_over_time(stale_gauge[2m])',
  'last_over_time(stale_gauge[5m])',
  'present_over_time(stale_gauge[1m])',
  'changes(stale_gauge[10m])',
  'count_over_time(user_nan[5m])',
  'avg_over_time(user_nan[5m])',
  'last_over_time(user_nan[1m])',
];
const MATRIX_QUERIES = ['stale_gauge[1m]', 'stale_gauge[5m]', 'stale_counter_total[10m]', 'user_nan[5m]'];
/** Seconds after T0: before the data, around the last scrapes and the markers, the gap, the return, lookback edges. */
const INSTANTS = [-1, 0, 15, 60, 75, 90, 120, 134, 135, 136, 150, 200, 299, 300, 301, 360, 420, 434, 435, 436, 600, 719, 720, 721];
const STEPS = ['15', '7', '60', '0.9'];
const RANGE = { start: secs(at(-60)), end: secs(at(800)) };

describe('isStaleNaN', () => {
  it('accepts the marker and its quieted form only', () => {
    const f = new Float64Array(1);
    const bits = (hex: string) => {
      new DataView(f.buffer).setBigUint64(0, BigInt(`0x${hex}`), true);
      return f[0] as number;
    };
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(bits('7ff0000000000002'))).toBe(true);
    expect(isStaleNaN(bits('7ff8000000000002'))).toBe(true);
    for (const other of ['fff0000000000002', 'fff8000000000002', '7ff0000000000001', '7ff8000000000000', '7ff4000000000002']) {
      expect({ other, stale: isStaleNaN(bits(other)) }).toEqual({ other, stale: false });
    }
  });
});

describe.skipIf(!peerInstalled)('staleness markers and NaNs, compared with Prometheus', () => {
  let prom: PrometheusHandle;
  let vigil: TestServer;

  beforeAll(async () => {
    [prom, vigil] = await Promise.all([startPrometheus({ remoteWriteReceiver: true }), startTestServer()]);
    for (const body of requests()) {
      await remoteWrite(prom.url, body);
      await remoteWrite(vigil.url, body, vigil.agentAuth);
    }
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await vigil?.dispose();
  });

  const compare = async (path: string, params: Record<string, string>): Promise<string[]> => {
    const [p, v] = await Promise.all([get(prom.url, path, params), get(vigil.url, path, params, vigil.adminAuth)]);
    const label = `${path} ${JSON.stringify(params)}`;
    if (p.body.status !== 'success') return [`${label}: Prometheus failed: ${p.body.error}`];
    if (v.body.status !== 'success') return [`${label}: Vigil failed: ${JSON.stringify(v.body).slice(0, 300)}`];
    return diffResults(p.body.data as ApiData, v.body.data as ApiData).map((d) => `${label}: ${d}`);
  };

  it('has Prometheus take the markers as markers and the other NaNs as values (what the comparisons rely on)', async () => {
    const before = await prom.query('stale_gauge', at(120));
    expect(before.map((s) => s.metric.case).sort()).toEqual(['end', 'gap', 'int']);
    expect(await prom.query('stale_gauge', at(136))).toEqual([]);
    expect(await prom.query('stale_counter_total', at(200))).toEqual([]);
    expect((await prom.query('stale_gauge', at(300))).map((s) => s.metric.case)).toEqual(['gap']);
    const counted = await prom.query('count_over_time(stale_gauge[5m])', at(136));
    expect(counted.map((s) => s.samples[0]?.[1]).sort()).toEqual([3, 9, 9, 9]);
    const nans = await prom.query('user_nan', at(60));
    expect(nans).toHaveLength(5);
    expect(nans.every((s) => Number.isNaN(s.samples[0]?.[1]))).toBe(true);
  });

  it('answers instant queries around the markers like Prometheus', async () => {
    const failures: string[] = [];
    for (const query of [...INSTANT_QUERIES, ...MATRIX_QUERIES]) {
      for (const s of INSTANTS) failures.push(...(await compare('/api/v1/query', { query, time: secs(at(s)) })));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('answers range queries whose steps cross the markers like Prometheus', async () => {
    const failures: string[] = [];
    for (const query of INSTANT_QUERIES) {
      for (const step of STEPS) failures.push(...(await compare('/api/v1/query_range', { query, ...RANGE, step })));
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('lists series whose only samples in the range are markers like Prometheus', async () => {
    const ranges: [number, number][] = [
      [0, 120],
      [130, 140],
      [136, 290],
      [136, 800],
      [500, 800],
    ];
    for (const match of ['stale_gauge', '{__name__=~"stale_.*|user_nan"}']) {
      for (const [from, to] of ranges) {
        const params = { 'match[]': match, start: secs(at(from)), end: secs(at(to)) };
        const [p, v] = await Promise.all([
          get(prom.url, '/api/v1/series', params),
          get(vigil.url, '/api/v1/series', params, vigil.adminAuth),
        ]);
        expect({ params, body: v.body }).toEqual({ params, body: p.body });
      }
    }
  });

  it("ends a series' anomaly score and bands at its marker, and starts them again when it comes back", async () => {
    const score = async (kase: string, s: number) => {
      const r = await get(
        vigil.url,
        '/api/v1/query',
        { query: `vigil_anomaly_score{metric="stale_gauge",case="${kase}"}`, time: secs(at(s)) },
        vigil.adminAuth,
      );
      return (r.body.data as { result: unknown[] }).result.length;
    };
    // Scores are stored once the detection workers have scored the samples: wait for the last ones.
    for (let i = 0; (await score('gap', 420)) === 0; i++) {
      if (i > 100) throw new Error('no anomaly score stored within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const bands = await get(
      vigil.url,
      '/api/v1/query',
      { query: '{__name__=~"vigil_expected_.*",metric="stale_gauge"}', time: secs(at(136)) },
      vigil.adminAuth,
    );
    expect((bands.body.data as { result: unknown[] }).result).toEqual([]);
    expect([await score('end', 120), await score('end', 136), await score('end', 200)]).toEqual([1, 0, 0]);
    expect([await score('gap', 120), await score('gap', 136), await score('gap', 300)]).toEqual([1, 0, 1]);
    // A series known only by its marker gets no score series at all.
    expect(await score('only', 136)).toBe(0);
  });

  describe("a user's NaN through Vigil's other protocols", () => {
    const ingestAuth = () => ({ authorization: vigil.agentAuth });

    /** Vigil's answers for `metric` must be Prometheus' answers for its ordinary NaN series (the same 1.5, NaN, 2.5). */
    const behavesAsOrdinaryNaN = async (metric: string): Promise<void> => {
      const exprs = (m: string) => [m, `count_over_time(${m}[5m])`, `avg_over_time(${m}[1m])`, `last_over_time(${m}[1m])`];
      const theirs = exprs('user_nan{bits="quiet"}');
      const ours = exprs(metric);
      for (let i = 0; i < ours.length; i++) {
        const params = { ...RANGE, step: '15' };
        const [p, v] = await Promise.all([
          get(prom.url, '/api/v1/query_range', { query: theirs[i] as string, ...params }),
          get(vigil.url, '/api/v1/query_range', { query: ours[i] as string, ...params }, vigil.adminAuth),
        ]);
        const points = (a: Answer) => ((a.body.data as { result: { values: unknown[] }[] } | undefined)?.result ?? []).map((s) => s.values);
        expect(points(p)).toHaveLength(1);
        expect({ query: ours[i], points: points(v) }).toEqual({ query: ours[i], points: points(p) });
      }
    };

    it('keeps a NaN sent as JSON a value', async () => {
      const doc = {
        series: [
          {
            labels: { __name__: 'json_nan' },
            samples: [
              [at(0), 1.5],
              [at(60), 'NaN'],
              [at(120), 2.5],
            ],
          },
        ],
      };
      const r = await send(`${vigil.url}/api/v1/ingest`, JSON.stringify(doc), { ...ingestAuth(), 'content-type': 'application/json' });
      expect(r.status).toBe(200);
      await behavesAsOrdinaryNaN('json_nan');
    });

    it('keeps a NaN sent as OTLP/JSON a value', async () => {
      const point = (t: number, v: number | string) => ({ timeUnixNano: `${at(t)}000000`, asDouble: v });
      const doc = {
        resourceMetrics: [
          {
            scopeMetrics: [
              { metrics: [{ name: 'otlp_json_nan', gauge: { dataPoints: [point(0, 1.5), point(60, 'NaN'), point(120, 2.5)] } }] },
            ],
          },
        ],
      };
      const r = await send(`${vigil.url}/v1/metrics`, JSON.stringify(doc), { ...ingestAuth(), 'content-type': 'application/json' });
      expect(r.status).toBe(200);
      await behavesAsOrdinaryNaN('otlp_json_nan');
    });

    it('keeps an ordinary NaN sent as OTLP/protobuf a value', async () => {
      const r = await send(`${vigil.url}/v1/metrics`, new Uint8Array(otlpGauge('otlp_proto_nan', nanBetween('7ff8000000000000'))), {
        ...ingestAuth(),
        'content-type': 'application/x-protobuf',
      });
      expect(r.status).toBe(200);
      await behavesAsOrdinaryNaN('otlp_proto_nan');
    });

    // Known gap: the OTLP decoder keeps a double's bits, so a NaN sharing the marker's payload is later taken for a
    // marker (Prometheus takes only the exact 0x7ff0000000000002). Needs src/ingest/otlp/decode-proto.ts to answer
    // Number.NaN for every NaN it reads; turn this into `it` then.
    it('keeps a NaN sharing the marker payload sent as OTLP/protobuf a value', async () => {
      const r = await send(`${vigil.url}/v1/metrics`, new Uint8Array(otlpGauge('otlp_proto_nan2', nanBetween('7ff8000000000002'))), {
        ...ingestAuth(),
        'content-type': 'application/x-protobuf',
      });
      expect(r.status).toBe(200);
      await behavesAsOrdinaryNaN('otlp_proto_nan2');
    });

    it('refuses NaN in Influx line protocol, which has no NaN', async () => {
      const r = await send(`${vigil.url}/api/v2/write?precision=ms`, `influx_nan value=NaN ${at(60)}`, {
        authorization: `Token ${vigil.agentAuth.replace('Bearer ', '')}`,
        'content-type': 'text/plain',
      });
      expect(r.status).toBe(400);
      const stored = await get(vigil.url, '/api/v1/series', { 'match[]': '{__name__=~"influx_nan.*"}' }, vigil.adminAuth);
      expect(stored.body).toEqual({ status: 'success', data: [] });
    });
  });
});

/** An OTLP ExportMetricsServiceRequest with one gauge, its values written with exactly the bits given. */
function otlpGauge(name: string, points: [number, WireValue][]): Buffer {
  const len = (n: number): number[] => {
    const out: number[] = [];
    while (n >= 128) {
      out.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return out;
  };
  const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, ...len(body.length)]), body]);
  const dataPoints = points.map(([t, v]) => {
    const b = Buffer.alloc(18);
    b[0] = 0x19; // time_unix_nano, fixed64
    b.writeBigUInt64LE(BigInt(at(t)) * 1_000_000n, 1);
    b[9] = 0x21; // as_double
    if (typeof v === 'number') b.writeDoubleLE(v, 10);
    else b.writeBigUInt64LE(BigInt(`0x${v.bits}`), 10);
    return field(0x0a, b);
  });
  const metric = Buffer.concat([field(0x0a, Buffer.from(name)), field(0x2a, Buffer.concat(dataPoints))]);
  return field(0x0a, field(0x12, field(0x12, metric)));
}
