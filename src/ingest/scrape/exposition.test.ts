import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFromContentType, parseExposition } from './exposition.js';

describe('Prometheus text exposition 0.0.4', () => {
  it('reads samples, labels with escapes, special values and ms timestamps', () => {
    const body = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# Escaping in label values:',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'nan_metric NaN',
      'neg_inf{a="b",} -Inf',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{le="0.05"} 24054',
      'http_request_duration_seconds_bucket{le="+Inf"} 144320',
      'http_request_duration_seconds_sum 53423',
      'http_request_duration_seconds_count 144320',
      'rpc_duration_seconds{quantile="0.99"} 76656',
    ].join('\n');
    const r = parseExposition(body, 'text');
    expect(r.errors).toEqual([]);
    expect(r.types.get('http_requests_total')).toBe('counter');
    expect(r.samples[0]).toEqual({
      labels: { __name__: 'http_requests_total', method: 'post', code: '200' },
      value: 1027,
      timestamp: 1395066363000,
    });
    expect(r.samples[1]?.value).toBe(3);
    expect(r.samples[2]?.labels).toEqual({
      __name__: 'msdos_file_access_time_seconds',
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    expect(r.samples[3]).toEqual({ labels: { __name__: 'metric_without_timestamp_and_labels' }, value: 12.47, timestamp: null });
    expect(r.samples[4]).toMatchObject({ value: Number.POSITIVE_INFINITY, timestamp: -3982045 });
    expect(r.samples[5]?.value).toBeNaN();
    expect(r.samples[6]).toMatchObject({ labels: { a: 'b' }, value: Number.NEGATIVE_INFINITY });
    expect(r.samples.map((s) => s.labels.le).filter(Boolean)).toEqual(['0.05', '+Inf']);
    expect(r.samples).toHaveLength(12);
  });

  it('reports unreadable lines and keeps the rest', () => {
    const r = parseExposition('ok 1\nbad{a=1} 2\nalso_bad{a="x"}\n9lives 3\nfine{a="1"} 4', 'text');
    expect(r.samples.map((s) => s.labels.__name__)).toEqual(['ok', 'fine']);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });
});

describe('OpenMetrics 1.0', () => {
  it('reads seconds timestamps, ignores exemplars, drops _created and stops at # EOF', () => {
    const body = [
      '# TYPE foo counter',
      '# HELP foo Some counter.',
      'foo_total{a="1"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
      'foo_created{a="1"} 1520430000.123',
      '# TYPE bar_info info',
      'bar_info{version="1.0"} 1',
      '# TYPE g gauge',
      '# UNIT g seconds',
      'g 1.5',
      '# EOF',
      'after_eof 1',
    ].join('\n');
    const r = parseExposition(body, 'openmetrics');
    expect(r.errors).toEqual([]);
    expect(r.samples).toEqual([
      { labels: { __name__: 'foo_total', a: '1' }, value: 17, timestamp: 1520879607789 },
      { labels: { __name__: 'bar_info', version: '1.0' }, value: 1, timestamp: null },
      { labels: { __name__: 'g' }, value: 1.5, timestamp: null },
    ]);
  });

  it('picks the format from the Content-Type', () => {
    expect(formatFromContentType('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatFromContentType('text/plain; version=0.0.4; charset=utf-8')).toBe('text');
    expect(formatFromContentType(null)).toBe('text');
  });
});

describe('exposition fuzz', () => {
  it('never throws on random or mutated bodies: unreadable lines are reported, readable ones kept', () => {
    const valid = '# TYPE a counter\na_total{x="1",y="a\\"b"} 1.5 1700000000000\nb{le="+Inf"} NaN\n# EOF\n';
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fc.constantFrom(...'a_{}="\\, #\n0.1e+-InfNaN\t'), { maxLength: 120 }).map((c) => c.join('')),
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.constantFrom(...'{}=", #\n\\x9')), { minLength: 1, maxLength: 5 }).map((edits) => {
        const chars = [...valid];
        for (const [i, ch] of edits) chars[i] = ch;
        return chars.join('');
      }),
    );
    fc.assert(
      fc.property(body, fc.constantFrom('text' as const, 'openmetrics' as const), (b, format) => {
        const r = parseExposition(b, format);
        for (const s of r.samples) {
          expect(typeof s.labels.__name__).toBe('string');
          expect(typeof s.value).toBe('number');
          expect(s.timestamp === null || Number.isFinite(s.timestamp)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
