import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.dispose();
});

async function ingest(
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${srv.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: srv.agentAuth, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /api/v1/ingest', () => {
  const now = Date.now();

  it('accepts a batch, gzip included, and reports bad samples one by one', async () => {
    const doc = {
      series: [
        {
          labels: { __name__: 'node_load1', host: 'web-1' },
          samples: [
            [now - 2000, 0.5],
            [now - 1000, 'NaN'],
            [now, 'oops'],
          ],
        },
        { labels: { __name__: 'bad name!', host: 'web-1' }, samples: [[now, 1]] },
      ],
    };
    const r = await ingest(gzipSync(JSON.stringify(doc)), { 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(r.json.accepted).toBe(2);
    expect(r.json.rejected).toEqual([
      { series: 0, sample: 2, reason: 'bad_value', detail: expect.stringContaining('numbers') },
      { series: 1, sample: 0, reason: 'bad_labels', detail: expect.stringContaining('invalid metric name') },
    ]);
  });

  it('answers 400 with a code and a message naming the problem for a bad body', async () => {
    const notJson = await ingest('{"series": [');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toEqual({ error: { code: 'BAD_JSON', message: expect.stringContaining('not valid JSON') } });

    const wrongShape = await ingest(JSON.stringify({ series: [{ labels: { __name__: 'x' }, samples: 5 }] }));
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.json).toEqual({
      error: { code: 'BAD_PAYLOAD', message: 'series[0].samples must be an array of [timestamp_ms, value]' },
    });

    const badGzip = await ingest(Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);
    expect((badGzip.json.error as { code: string }).code).toBe('BAD_ENCODING');

    const text = await ingest('hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });

  it('refuses a gzip bomb past the body limit without inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 32));
    const r = await ingest(bomb, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect((r.json.error as { code: string }).code).toBe('BODY_TOO_LARGE');
  });

  it('requires an ingest credential and refuses read routes to an agent key', async () => {
    const anon = await fetch(`${srv.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"series":[]}',
    });
    expect(anon.status).toBe(401);
    const wrong = await ingest('{"series":[]}', { authorization: 'Bearer vgl_ak_wrong' });
    expect(wrong.status).toBe(401);
    const agentReads = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: srv.agentAuth } });
    expect(agentReads.status).toBe(403);
    const adminReads = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: srv.adminAuth } });
    expect(await adminReads.json()).toMatchObject({ name: 'admin', role: 'admin', tenant: 'default' });
  });

  it('serves health, readiness and its own metrics without credentials', async () => {
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${srv.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/vigil_ingest_samples_accepted_total\{protocol="vigil"\} 2/);
    expect(metrics).toMatch(/vigil_process_nodejs_eventloop_lag_seconds/);
  });
});
