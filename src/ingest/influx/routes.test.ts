import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestIngestApp } from '../remote-write/testing/app.js';
import { registerInfluxRoutes } from './routes.js';

let t: TestIngestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

const write = (app: TestIngestApp, url: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
  app.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, payload });

describe('POST /api/v2/write and /write', () => {
  it('stores line protocol with the precision parameter and answers 204', async () => {
    t = await buildTestApp(registerInfluxRoutes);
    const res = await write(
      t,
      '/api/v2/write?org=o&bucket=b&precision=s',
      'mem,host=h1 used_percent=42.5 1700000000\nmem,host=h1 used_percent=43 1700000010',
    );
    expect(res.statusCode).toBe(204);
    expect(t.store.select('default')).toEqual([
      { labels: { __name__: 'mem_used_percent', host: 'h1' }, timestamps: [1700000000000, 1700000010000], values: [42.5, 43] },
    ]);
    const v1 = await write(t, '/write?db=telegraf&precision=ms', gzipSync('load,host=h1 load1=0.5 1700000000000'), {
      'content-encoding': 'gzip',
    });
    expect(v1.statusCode).toBe(204);
    expect(t.store.select('default', [{ name: '__name__', op: '=', value: 'load_load1' }])[0]?.values).toEqual([0.5]);
  });

  it('answers 400 in InfluxDB shape naming the bad line, storing the good ones', async () => {
    t = await buildTestApp(registerInfluxRoutes);
    const res = await write(t, '/api/v2/write', 'a v=1 1000000000\nb v=oops 1000000000\nc v=2 1000000000');
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('invalid');
    expect(body.line).toBe(2);
    expect(body.message).toContain('partial write');
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([{ reason: 'parse_error', line: 2, detail: 'line 2: invalid field value "oops"' }]);
    const v1 = await write(t, '/write', 'a v=0 500000000');
    expect(v1.statusCode).toBe(400);
    expect(v1.json().error).toContain('out_of_order');
    expect(v1.json().rejected[0]).toMatchObject({ reason: 'out_of_order', line: 1 });
  });

  it('refuses unknown precision, bad gzip and oversized bodies with 4xx', async () => {
    t = await buildTestApp(registerInfluxRoutes, { bodyLimit: 4096, maxSamplesPerRequest: 3 });
    expect((await write(t, '/api/v2/write?precision=xs', 'a v=1')).statusCode).toBe(400);
    expect((await write(t, '/api/v2/write', 'not gzip', { 'content-encoding': 'gzip' })).statusCode).toBe(400);
    expect((await write(t, '/api/v2/write', gzipSync(`a v=1\n${'#'.repeat(100_000)}`), { 'content-encoding': 'gzip' })).statusCode).toBe(
      413,
    );
    expect((await write(t, '/api/v2/write', 'a v=1,w=2,x=3,y=4')).statusCode).toBe(413);
    expect(t.store.appendCalls).toBe(0);
  });
});

describe('line protocol fuzz', () => {
  it('random and mutated bodies get 2xx or 4xx, never 5xx, and never change what was stored', async () => {
    t = await buildTestApp(registerInfluxRoutes, { maxSamplesPerRequest: 1000 });
    const app = t;
    expect((await write(app, '/api/v2/write', 'seed,host=a v=1 1000000000\nseed,host=a v=2 2000000000')).statusCode).toBe(204);
    const seedBefore = JSON.stringify(app.store.select('default', [{ name: '__name__', op: '=', value: 'seed_v' }]));
    const valid = 'cpu,host=web\\ 1,dc=eu usage=12.5,n=3i,s="a \\"q\\"",b=t 1700000000000000000\nmem free=1e9';
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.array(fc.constantFrom(...' ,=\\"\n#tiu.e-0123456789abcSEED'), { maxLength: 80 }).map((cs) => cs.join('')),
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.constantFrom(...' ,=\\"\n#x0-.')), { minLength: 1, maxLength: 5 }).map((edits) => {
        const chars = [...valid];
        for (const [i, c] of edits) chars[i] = c;
        return chars.join('');
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = app.store.sampleCount;
        const res = await write(app, '/api/v2/write', b);
        expect([204, 400, 413]).toContain(res.statusCode);
        const accepted = Number(res.headers['x-vigil-samples-accepted'] ?? 0);
        expect(app.store.sampleCount).toBeLessThanOrEqual(before + accepted);
        expect(JSON.stringify(app.store.select('default', [{ name: '__name__', op: '=', value: 'seed_v' }]))).toBe(seedBefore);
      }),
      { numRuns: 400 },
    );
  });
});
