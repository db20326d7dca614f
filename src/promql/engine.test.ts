import { describe, expect, it } from 'vitest';
import { isVigilError, seriesKey } from '../core/index.js';
import type { Querier } from '../tsdb/index.js';
import { PromQLEngine, type QueryResult } from './engine.js';
import { parseQuery } from './parse.js';
import { MemoryQuerier } from './testing/memory-querier.js';
import { formatValue, isStaleNaN, STALE_NAN } from './values.js';

const T = 'acme';

function engineWith(load: (q: MemoryQuerier) => void): PromQLEngine {
  const q = new MemoryQuerier();
  load(q);
  return new PromQLEngine({ querier: q });
}

function vector(r: QueryResult): Record<string, number> {
  if (r.resultType !== 'vector') throw new Error(`expected a vector, got ${r.resultType}`);
  const out: Record<string, number> = {};
  for (const s of r.result) out[seriesKey(s.labels)] = s.v;
  return out;
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isVigilError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected the query to fail');
}

const every10s = (n: number, f: (i: number) => number) => ({
  ts: Array.from({ length: n }, (_, i) => i * 10_000),
  vs: Array.from({ length: n }, (_, i) => f(i)),
});

describe('PromQL engine semantics', () => {
  it('looks back 5 minutes, inclusive, and honours staleness markers', async () => {
    // V8 may drop a NaN's payload when optimised code stores it in a plain number[], so the marker travels
    // here in a Float64Array, which keeps every bit (a store must do the same for staleness to survive).
    const q = {
      async select(_t: string, m: readonly { value: string }[]) {
        if (m[0]?.value === 'a') return [{ labels: { __name__: 'a' }, timestamps: [0], values: [1] }];
        const values = Float64Array.of(1, STALE_NAN, 2) as unknown as number[];
        return [{ labels: { __name__: 'b' }, timestamps: [0, 10_000, 30_000], values }];
      },
    } as unknown as Querier;
    const e = new PromQLEngine({ querier: q });
    expect(vector(await e.instantQuery(T, 'a', 300_000))).toEqual({ 'a{}': 1 });
    expect(vector(await e.instantQuery(T, 'a', 300_001))).toEqual({});
    expect(vector(await e.instantQuery(T, 'b', 5_000))).toEqual({ 'b{}': 1 });
    expect(vector(await e.instantQuery(T, 'b', 15_000))).toEqual({});
    expect(vector(await e.instantQuery(T, 'b', 30_000))).toEqual({ 'b{}': 2 });
    expect(vector(await e.instantQuery(T, 'count_over_time(b[1m])', 30_000))).toEqual({ '{}': 2 });
  });

  it('extrapolates rate and increase as Prometheus does', async () => {
    const { ts, vs } = every10s(61, (i) => i);
    const e = engineWith((q) => {
      q.add(T, { __name__: 'c_total', job: 'x' }, ts, vs);
      q.add(T, { __name__: 'reset_total' }, [0, 10_000, 20_000, 30_000], [10, 20, 5, 15]);
    });
    // Window (245 s, 305 s] holds samples 250…300: 5 increments over 50 s, extrapolated by 5 s at each end.
    expect(vector(await e.instantQuery(T, 'rate(c_total[1m])', 305_000))).toEqual({ '{job="x"}': 0.1 });
    expect(vector(await e.instantQuery(T, 'increase(c_total[1m])', 305_000))).toEqual({ '{job="x"}': 6 });
    expect(vector(await e.instantQuery(T, 'increase(reset_total[30s])', 30_000))).toEqual({ '{}': 25 });
    expect(vector(await e.instantQuery(T, 'irate(reset_total[30s])', 30_000))).toEqual({ '{}': 1 });
    expect(vector(await e.instantQuery(T, 'resets(reset_total[30s])', 30_000))).toEqual({ '{}': 1 });
  });

  it('fits deriv and predict_linear by least squares', async () => {
    const { ts, vs } = every10s(31, (i) => 100 + 2 * i);
    const e = engineWith((q) => q.add(T, { __name__: 'g' }, ts, vs));
    expect(vector(await e.instantQuery(T, 'deriv(g[1m])', 300_000))).toEqual({ '{}': 0.2 });
    expect(vector(await e.instantQuery(T, 'predict_linear(g[1m], 100)', 300_000))['{}']).toBeCloseTo(180, 9);
  });

  it('aligns range query steps to start + k * step', async () => {
    const { ts, vs } = every10s(31, (i) => i);
    const e = engineWith((q) => q.add(T, { __name__: 'g' }, ts, vs));
    const r = await e.rangeQuery(T, 'g', 1_000, 40_000, 13_000);
    expect(r).toEqual({
      resultType: 'matrix',
      result: [{ labels: { __name__: 'g' }, timestamps: [1_000, 14_000, 27_000, 40_000], values: [0, 1, 2, 4] }],
    });
  });

  it('aggregates by and without, with topk and quantile', async () => {
    const e = engineWith((q) => {
      q.add(T, { __name__: 'm', host: 'a', mode: 'idle' }, [0], [1]);
      q.add(T, { __name__: 'm', host: 'a', mode: 'user' }, [0], [2]);
      q.add(T, { __name__: 'm', host: 'b', mode: 'idle' }, [0], [3]);
      q.add(T, { __name__: 'm', host: 'b', mode: 'user' }, [0], [6]);
    });
    expect(vector(await e.instantQuery(T, 'sum by (host) (m)', 0))).toEqual({ '{host="a"}': 3, '{host="b"}': 9 });
    expect(vector(await e.instantQuery(T, 'avg without (host) (m)', 0))).toEqual({ '{mode="idle"}': 2, '{mode="user"}': 4 });
    expect(vector(await e.instantQuery(T, 'topk(1, m)', 0))).toEqual({ 'm{host="b",mode="user"}': 6 });
    expect(vector(await e.instantQuery(T, 'quantile(0.5, m)', 0))).toEqual({ '{}': 2.5 });
    expect(vector(await e.instantQuery(T, 'stddev(m)', 0))['{}']).toBeCloseTo(Math.sqrt(3.5), 12);
    expect(vector(await e.instantQuery(T, 'count(m) - 1', 0))).toEqual({ '{}': 3 });
  });

  it('matches vectors one-to-one, with group_left, and refuses many-to-many', async () => {
    const e = engineWith((q) => {
      q.add(T, { __name__: 'used', host: 'a', disk: 'sda' }, [0], [30]);
      q.add(T, { __name__: 'used', host: 'a', disk: 'sdb' }, [0], [50]);
      q.add(T, { __name__: 'size', host: 'a', disk: 'sda' }, [0], [100]);
      q.add(T, { __name__: 'size', host: 'a', disk: 'sdb' }, [0], [200]);
      q.add(T, { __name__: 'info', host: 'a', owner: 'ops' }, [0], [1]);
    });
    expect(vector(await e.instantQuery(T, 'used / size', 0))).toEqual({ '{disk="sda",host="a"}': 0.3, '{disk="sdb",host="a"}': 0.25 });
    expect(vector(await e.instantQuery(T, 'used * on(host) group_left(owner) info', 0))).toEqual({
      '{disk="sda",host="a",owner="ops"}': 30,
      '{disk="sdb",host="a",owner="ops"}': 50,
    });
    expect(vector(await e.instantQuery(T, 'used > bool on(host, disk) size / 4', 0))).toEqual({
      '{disk="sda",host="a"}': 1,
      '{disk="sdb",host="a"}': 0,
    });
    expect(await failure(e.instantQuery(T, 'used / on(host) size', 0))).toMatch(
      /^QUERY_FAILED: found duplicate series for the match group \{host="a"\}/,
    );
  });

  it('computes histogram_quantile from classic buckets', async () => {
    const e = engineWith((q) => {
      q.add(T, { __name__: 'h_bucket', le: '0.1' }, [0], [10]);
      q.add(T, { __name__: 'h_bucket', le: '0.5' }, [0], [20]);
      q.add(T, { __name__: 'h_bucket', le: '+Inf' }, [0], [20]);
    });
    expect(vector(await e.instantQuery(T, 'histogram_quantile(0.5, h_bucket)', 0))).toEqual({ '{}': 0.1 });
    expect(vector(await e.instantQuery(T, 'histogram_quantile(0.75, h_bucket)', 0))['{}']).toBeCloseTo(0.3, 12);
  });

  it('rewrites labels and clamps values', async () => {
    const e = engineWith((q) => q.add(T, { __name__: 'up', instance: 'web-1:9100' }, [0], [7]));
    expect(vector(await e.instantQuery(T, 'label_replace(up, "host", "$1", "instance", "(.*):(?P<port>.*)")', 0))).toEqual({
      'up{host="web-1",instance="web-1:9100"}': 7,
    });
    expect(vector(await e.instantQuery(T, 'clamp(up, 0, 5)', 0))).toEqual({ '{instance="web-1:9100"}': 5 });
    expect(await e.instantQuery(T, 'scalar(up) * 2', 0)).toEqual({ resultType: 'scalar', t: 0, v: 14 });
  });

  it('fails a query that would load more samples than allowed', async () => {
    const q = new MemoryQuerier();
    const { ts, vs } = every10s(100, (i) => i);
    q.add(T, { __name__: 'g' }, ts, vs);
    const e = new PromQLEngine({ querier: q, maxSamples: 50 });
    expect(await failure(e.instantQuery(T, 'sum_over_time(g[20m])', 990_000))).toBe(
      'QUERY_FAILED: query processing would load too many samples into memory in query execution',
    );
  });

  it('scopes reads to the tenant', async () => {
    const e = engineWith((q) => q.add('other', { __name__: 'up' }, [0], [1]));
    expect(vector(await e.instantQuery(T, 'up', 0))).toEqual({});
  });
});

describe('PromQL parsing', () => {
  it('binds offset and @ to the selector next to them', () => {
    expect(parseQuery('a - b offset 1m')).toMatchObject({ type: 'binary', lhs: { offsetMs: 0 }, rhs: { offsetMs: 60_000 } });
    expect(parseQuery('rate(x[5m] @ 100)')).toMatchObject({
      type: 'call',
      args: [{ type: 'matrix', rangeMs: 300_000, selector: { at: 100_000 } }],
    });
    expect(parseQuery('x{a!="b",c=~"d.*",e!~"f"}')).toMatchObject({
      matchers: [
        { name: '__name__', op: '=', value: 'x' },
        { name: 'a', op: '!=', value: 'b' },
        { name: 'c', op: '=~', value: 'd.*' },
        { name: 'e', op: '!~', value: 'f' },
      ],
    });
  });

  it('names the construct it does not support', () => {
    const msg = (q: string) => {
      try {
        parseQuery(q);
      } catch (e) {
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(msg('rate(x[5m:1m])')).toContain('a subquery');
    expect(msg('absent(x)')).toContain('the function "absent"');
    expect(msg('count_values("v", x)')).toContain('the aggregation "count_values"');
    expect(msg('rate(x)')).toContain('expected type range vector in call to function "rate", got instant vector');
    expect(msg('1 > 2')).toContain('comparisons between scalars must use BOOL modifier');
    expect(msg('sum(x')).toMatch(/^1:\d+: parse error/);
  });
});

describe('value formatting', () => {
  it('formats floats as Go strconv.FormatFloat(v, "f", -1, 64)', () => {
    expect(formatValue(0.1)).toBe('0.1');
    expect(formatValue(1e21)).toBe('1000000000000000000000');
    expect(formatValue(1.5e-7)).toBe('0.00000015');
    expect(formatValue(-2.5e22)).toBe('-25000000000000000000000');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
  });

  it('recognises the staleness marker, also after V8 quiets it', () => {
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN([STALE_NAN][0] as number)).toBe(true);
    expect(isStaleNaN(Number.NaN)).toBe(false);
    expect(isStaleNaN(1)).toBe(false);
  });
});
