import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { SeriesSamples } from '../../core/index.js';
import { buildTestApp, type TestIngestApp } from '../remote-write/testing/app.js';
import { type InfluxBatch, parseLineProtocol } from './parse.js';
import { INFLUX_BATCH_SAMPLES, registerInfluxRoutes } from './routes.js';
import { streamLineProtocol } from './stream.js';

const opts = { precision: 'ns' as const, now: 1_700_000_000_000, maxSamples: 1_000_000 };

async function* pieces(body: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

/** Every sample of the batches as `name{labels} t v @line`, in order, to compare ways of reading one body. */
function flatten(batches: { series: SeriesSamples[]; lines: number[][] }[]): string[] {
  const out: string[] = [];
  for (const b of batches)
    b.series.forEach((s, i) => {
      s.timestamps.forEach((t, j) => {
        out.push(`${JSON.stringify(s.labels)} ${t} ${s.values[j]} @${b.lines[i]?.[j]}`);
      });
    });
  return out.sort();
}

describe('streamLineProtocol', () => {
  const body = Buffer.from(
    [
      '# comment',
      'weather,location=Zürich,station=東京\\ 1 temperature=21.5,humidity=40i 1700000000000000000\r',
      '',
      'cpu,host=web\\,1 usage=1.5,label="a \\"quoted\\" ü" 1700000001000000000',
      'bad line',
      'cpu,host=web\\,1 usage=2.5 1700000002000000000',
      'mem free=1e9',
    ].join('\n'),
  );

  it.each([1, 2, 3, 7, 64])('reads the same series as a whole-body parse when the body arrives in %i-byte pieces', async (size) => {
    const batches: InfluxBatch[] = [];
    const summary = await streamLineProtocol(pieces(body, size), { ...opts, batchSamples: 2, maxLineLength: 1024 }, async (b) => {
      batches.push(b);
    });
    const whole = parseLineProtocol(body.toString('utf8'), opts);
    expect(flatten(batches)).toEqual(flatten([whole]));
    expect(batches.flatMap((b) => b.rejections)).toEqual(whole.rejections);
    expect(summary).toEqual({ samples: whole.samples, skippedStringFields: whole.skippedStringFields });
    // Batches of 2 samples: more than one batch, each handed over once full.
    expect(batches.length).toBeGreaterThan(2);
  });

  it('refuses a line longer than the limit and reads on after it, keeping line numbers', async () => {
    const text = `a v=1 1000000000\nlong${'x'.repeat(5000)} v=2 1000000000\nb v=3 1000000000`;
    const batches: InfluxBatch[] = [];
    await streamLineProtocol(pieces(Buffer.from(text), 100), { ...opts, batchSamples: 100, maxLineLength: 1000 }, async (b) => {
      batches.push(b);
    });
    expect(batches.flatMap((b) => b.series.map((s) => s.labels.__name__))).toEqual(['a_v', 'b_v']);
    expect(batches.flatMap((b) => b.lines.flat())).toEqual([1, 3]);
    expect(batches.flatMap((b) => b.rejections)).toEqual([
      { reason: 'parse_error', line: 2, detail: 'line 2: line longer than 1000 characters' },
    ]);
  });
});

let t: TestIngestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

/** Line protocol for `n` samples of one series, one per line, 1 s apart. */
const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `m,host=a v=${i} ${1_700_000_000 + from + i}`).join('\n');

describe('POST /api/v2/write, streamed', () => {
  it('stores a body larger than a batch in several batches and answers once all are durable', async () => {
    t = await buildTestApp(registerInfluxRoutes);
    const n = INFLUX_BATCH_SAMPLES * 2 + 123;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=s',
      payload: gzipSync(lines(n)),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-vigil-samples-accepted']).toBe(String(n));
    expect(t.store.appendCalls).toBe(3);
    expect(t.store.sampleCount).toBe(n);
  });

  it('hands the first batch to storage before the body has ended', async () => {
    t = await buildTestApp(registerInfluxRoutes);
    const app = t;
    const url = new URL(await app.app.listen({ host: '127.0.0.1', port: 0 }));
    const status = new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/api/v2/write?precision=s' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`${lines(INFLUX_BATCH_SAMPLES + 10)}\n`);
      // Wait until the first batch is stored, then finish the body.
      const poll = setInterval(() => {
        if (app.store.sampleCount === 0) return;
        clearInterval(poll);
        req.end(lines(10, INFLUX_BATCH_SAMPLES + 10));
      }, 5);
    });
    expect(await status).toBe(204);
    expect(app.store.sampleCount).toBe(INFLUX_BATCH_SAMPLES + 20);
  });

  it('answers 413 when the limit is passed after batches were stored, saying how many samples were', async () => {
    t = await buildTestApp(registerInfluxRoutes, { maxSamplesPerRequest: INFLUX_BATCH_SAMPLES + 5 });
    const res = await t.app.inject({ method: 'POST', url: '/api/v2/write?precision=s', payload: lines(INFLUX_BATCH_SAMPLES + 6) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'request too large', vigilCode: 'TOO_MANY_SAMPLES' });
    expect(res.json().message).toContain(`${INFLUX_BATCH_SAMPLES} samples of earlier lines were stored`);
    expect(res.headers['x-vigil-samples-accepted']).toBe(String(INFLUX_BATCH_SAMPLES));
    expect(t.store.sampleCount).toBe(INFLUX_BATCH_SAMPLES);
  });

  it('answers 400 for a gzip stream cut short, and 413 for a declared length over the limit without reading the body', async () => {
    t = await buildTestApp(registerInfluxRoutes, { bodyLimit: 64 * 1024 });
    const gz = gzipSync(lines(100));
    const cut = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=s',
      payload: gz.subarray(0, gz.length - 10),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().vigilCode).toBe('BAD_ENCODING');
    const declared = await t.app.inject({
      method: 'POST',
      url: '/write',
      payload: 'm v=1',
      headers: { 'content-length': String(1024 * 1024) },
    });
    expect(declared.statusCode).toBe(413);
    expect(declared.json().vigilCode).toBe('BODY_TOO_LARGE');
    expect(t.store.appendCalls).toBe(0);
  });
});
