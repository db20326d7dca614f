import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_AGENT_KEY, type TestServer } from '../../../test/support/server.js';
import { parseTimestamp, parseTimestampValueCsv } from './csv.js';
import { readPrometheus } from './prometheus.js';
import { type SendTotals, sendToVigil } from './send.js';

describe('parseTimestampValueCsv', () => {
  it('reads NAB-style dates, Unix seconds and ms, with or without a header', () => {
    expect(parseTimestamp('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15, 0));
    expect(parseTimestamp('1763800000')).toBe(1763800000000);
    expect(parseTimestamp('1763800000123')).toBe(1763800000123);
    expect(parseTimestamp('yesterday')).toBeNull();
    const r = parseTimestampValueCsv('timestamp,value\n2014-04-10 07:15:00,1.5\n2014-04-10 07:20:00,NaN\n');
    expect(r.timestamps).toEqual([Date.UTC(2014, 3, 10, 7, 15), Date.UTC(2014, 3, 10, 7, 20)]);
    expect(r.values[0]).toBe(1.5);
    expect(Number.isNaN(r.values[1])).toBe(true);
  });

  it('names the line of a bad row', () => {
    expect(() => parseTimestampValueCsv('t,v\n1763800000,1\n1763800060,abc\n', 'x.csv')).toThrow('x.csv line 3: cannot read value "abc"');
  });
});

describe('import into a real server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv.dispose();
  });

  it('reads raw samples window by window from a Prometheus-compatible API and stores them exactly', async () => {
    const end = Date.now() - 60_000;
    const start = end - 6 * 3_600_000;
    const history = { labels: { __name__: 'disk_used_bytes', host: 'db-3' }, timestamps: [] as number[], values: [] as number[] };
    for (let t = start + 15_000; t <= end; t += 15_000) {
      history.timestamps.push(t);
      history.values.push(1e9 + (t - start) / 1000);
    }
    const totals: SendTotals = { accepted: 0, rejected: 0, reasons: {} };
    await sendToVigil(srv.url, TEST_AGENT_KEY, [history], totals, 500);
    expect(totals).toEqual({ accepted: history.timestamps.length, rejected: 0, reasons: {} });

    // Read it back through Vigil's own Prometheus-compatible API, as `vigil import --prometheus` reads Prometheus.
    const authed: typeof fetch = (u, init) => fetch(u, { ...init, headers: { authorization: srv.adminAuth } });
    const got: number[] = [];
    let last = 0;
    for await (const { batch, progress } of readPrometheus({
      url: srv.url,
      match: 'disk_used_bytes{host="db-3"}',
      start,
      end,
      windowMs: 3_600_000,
      fetchImpl: authed,
    })) {
      for (const s of batch) got.push(...s.timestamps);
      expect(progress).toBeGreaterThan(last);
      last = progress;
    }
    expect(last).toBe(1);
    expect(got).toEqual(history.timestamps);
  });
});
