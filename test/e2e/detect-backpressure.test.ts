import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeriesSamples } from '../../src/core/index.js';
import { encodeWriteRequest, parseExposition } from '../../src/ingest/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

// ADR 0010 end to end: a server whose detection may have at most 1,000 samples waiting pushes senders back while
// it scores a large request, with 503 on remote_write (which Prometheus retries) and 429 elsewhere, then takes
// them again, and scores every sample it stored.

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ detect: { maxUnscoredSamples: 1000 } });
});
afterAll(async () => {
  await srv?.dispose();
});

const start = Date.now() - 3_600_000;

/** `series` series × `n` samples 15 s apart, named after `prefix`. */
function load(prefix: string, series: number, n: number): SeriesSamples[] {
  return Array.from({ length: series }, (_, s) => ({
    labels: { __name__: `${prefix}_metric`, host: `h${s % 50}`, series: String(s) },
    timestamps: Array.from({ length: n }, (_, i) => start + i * 15_000),
    values: Array.from({ length: n }, (_, i) => ((s + i) % 17) / 10),
  }));
}

function remoteWrite(batch: SeriesSamples[]): Promise<Response> {
  return fetch(`${srv.url}/api/v1/write`, {
    method: 'POST',
    headers: { authorization: srv.agentAuth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: new Uint8Array(compressSync(encodeWriteRequest(batch))),
  });
}

async function metric(name: string): Promise<number> {
  const { samples } = parseExposition(await (await fetch(`${srv.url}/metrics`)).text(), 'text');
  return samples.find((s) => s.labels.__name__ === name)?.value ?? Number.NaN;
}

describe('ingest waits for detection', () => {
  it('pushes senders back while detection is behind, then takes them again; nothing goes unscored', async () => {
    // 100,000 samples of new series: tens of milliseconds of scoring at least, far above the bound of 1,000.
    expect((await remoteWrite(load('big', 1000, 100))).status).toBe(204);
    const [rw, json] = await Promise.all([
      remoteWrite(load('small', 1, 1)),
      fetch(`${srv.url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: srv.agentAuth, 'content-type': 'application/json' },
        body: JSON.stringify({ series: [{ labels: { __name__: 'json_metric' }, samples: [[start, 1]] }] }),
      }),
    ]);
    expect(rw.status).toBe(503);
    expect(rw.headers.get('retry-after')).toBe('1');
    expect(((await rw.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED');
    expect(json.status).toBe(429);
    for (let i = 0; (await metric('vigil_detect_backlog_samples')) > 0; i++) {
      if (i > 300) throw new Error('detection did not catch up within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await remoteWrite(load('small', 1, 1))).status).toBe(204);
    expect(await metric('vigil_detect_samples_dropped_total')).toBe(0);
  }, 60_000);
});
