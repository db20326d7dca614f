import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_AGENT_KEY, type TestServer } from '../../../test/support/server.js';
import { readPrometheus } from './prometheus.js';
import { type SendTotals, sendToVigil } from './send.js';

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
