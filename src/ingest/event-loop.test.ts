import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeriesSamples, silentLogger } from '../core/index.js';
import { longestBlock } from '../core/testing/event-loop-probe.js';
import { openStorage } from '../tsdb/index.js';
import { registerInfluxRoutes } from './influx/routes.js';
import { registerOtlpRoutes } from './otlp/routes.js';
import { encodeWriteRequest } from './remote-write/encode.js';
import { registerRemoteWriteRoutes } from './remote-write/routes.js';
import { buildTestApp, type TestIngestApp } from './remote-write/testing/app.js';
import { encodeVarint } from './varint.js';
import { registerVigilJsonRoutes } from './vigil-json/route.js';

// Behaviour, not speed: a large body must be decoded and stored in slices with the event loop free in between
// (DESIGN.md: "Never block the event loop"; ADR 0008). Limits as in production: 32 MiB, 1M samples.
const BODY_LIMIT = 32 * 1024 * 1024;
const MAX_SAMPLES = 1_000_000;
const MAX_BLOCK_MS = 50;

const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), encodeVarint(body.length), body]);
const str = (tag: number, s: string) => field(tag, Buffer.from(s));
const fixed64 = (tag: number, write: (b: Buffer) => void) => {
  const b = Buffer.alloc(9);
  b[0] = tag;
  write(b);
  return b;
};

/** An OTLP ExportMetricsServiceRequest with `metrics` gauges of `points` points each, every point with one attribute. */
function otlpBody(metrics: number, points: number, startMs: number): Buffer {
  const kv = (k: string, v: string) => field(0x0a, Buffer.concat([str(0x0a, k), field(0x12, str(0x0a, v))]));
  const ms: Buffer[] = [];
  for (let m = 0; m < metrics; m++) {
    const dps: Buffer[] = [];
    for (let p = 0; p < points; p++) {
      const point = Buffer.concat([
        fixed64(0x19, (b) => b.writeBigUInt64LE(BigInt(startMs + p * 1000) * 1_000_000n, 1)),
        fixed64(0x21, (b) => b.writeDoubleLE((m * 31 + p) % 100, 1)),
        field(0x3a, Buffer.concat([str(0x0a, 'cpu'), field(0x12, str(0x0a, String(p % 4)))])),
      ]);
      dps.push(field(0x0a, point));
    }
    ms.push(field(0x12, Buffer.concat([str(0x0a, `probe.metric.${m}`), field(0x2a, Buffer.concat(dps))])));
  }
  const scope = field(0x12, Buffer.concat([field(0x0a, str(0x0a, 'probe')), ...ms]));
  return field(0x0a, Buffer.concat([field(0x0a, kv('service.name', 'probe')), scope]));
}

let rwBody: Buffer | undefined;

/** A snappy WriteRequest of 10,000 series × 100 samples: the per-request limit, 18 MiB once decompressed. */
function remoteWriteBody(): Buffer {
  rwBody ??= compressSync(
    encodeWriteRequest(
      Array.from(
        { length: 10_000 },
        (_, s): SeriesSamples => ({
          labels: { __name__: `probe_metric_${s % 50}`, host: `host-${s}`, instance: `10.0.${s % 250}.1:9100`, job: 'probe' },
          timestamps: Array.from({ length: 100 }, (_, i) => Date.now() - 3_600_000 + i * 15_000),
          values: Array.from({ length: 100 }, (_, i) => ((s * 7 + i) % 1000) / 10),
        }),
      ),
    ),
  );
  return rwBody;
}

const postRemoteWrite = (app: TestIngestApp, body: Buffer) =>
  app.app.inject({
    method: 'POST',
    url: '/api/v1/write',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    payload: body,
  });

let t: TestIngestApp;
beforeAll(async () => {
  t = await buildTestApp(
    (app, deps) => {
      registerRemoteWriteRoutes(app, deps);
      registerOtlpRoutes(app, deps);
      registerInfluxRoutes(app, deps);
      registerVigilJsonRoutes(app, deps);
    },
    { bodyLimit: BODY_LIMIT, maxSamplesPerRequest: MAX_SAMPLES },
  );
});
afterAll(async () => {
  await t.app.close();
});

describe('a large body does not hold the event loop', () => {
  it('remote_write: 1M samples (the request limit) are decoded and stored in slices', async () => {
    const body = remoteWriteBody();
    const block = await longestBlock(async () => {
      const res = await postRemoteWrite(t, body);
      expect(res.statusCode).toBe(204);
      expect(res.headers['x-vigil-samples-accepted']).toBe(String(MAX_SAMPLES));
    });
    expect(block).toBeLessThan(MAX_BLOCK_MS);
  }, 120_000);

  it('remote_write into the embedded store: the same body, stored durably slice by slice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-event-loop-'));
    const storage = await openStorage({ dir, logger: silentLogger(), registry: new Registry() });
    const real = await buildTestApp(registerRemoteWriteRoutes, {
      bodyLimit: BODY_LIMIT,
      maxSamplesPerRequest: MAX_SAMPLES,
      pipeline: { storage },
    });
    try {
      const body = remoteWriteBody();
      const block = await longestBlock(async () => {
        const res = await postRemoteWrite(real, body);
        expect(res.statusCode).toBe(204);
      });
      expect(block).toBeLessThan(MAX_BLOCK_MS);
    } finally {
      await real.app.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('OTLP protobuf: 250k data points are decoded, translated and stored in slices', async () => {
    const body = otlpBody(250, 1_000, 1_700_000_000_000);
    const block = await longestBlock(async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/metrics',
        headers: { 'content-type': 'application/x-protobuf', 'x-tenant': 'otlp' },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-vigil-samples-accepted']).toBe('250000');
    });
    expect(block).toBeLessThan(MAX_BLOCK_MS);
  }, 120_000);

  it('Influx line protocol: 250k lines (gzip) are parsed as they arrive and stored in batches', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 250_000; i++) lines.push(`probe,host=h${i % 1000} value=${i % 97}.5 ${1_700_000_000 + Math.floor(i / 1000)}`);
    const body = gzipSync(lines.join('\n'));
    const block = await longestBlock(async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v2/write?precision=s',
        headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'x-tenant': 'influx' },
        payload: body,
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['x-vigil-samples-accepted']).toBe('250000');
    });
    expect(block).toBeLessThan(MAX_BLOCK_MS);
  }, 120_000);
});
