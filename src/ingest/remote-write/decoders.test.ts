import { compressSync } from 'snappy';
import { afterEach, describe, expect, it } from 'vitest';
import { doubleArray, isStaleNaN, isVigilError, type SeriesSamples, STALE_NAN, silentLogger } from '../../core/index.js';
import { decodeRemoteWriteBody, RemoteWriteDecoders } from './decoders.js';
import { encodeWriteRequest } from './encode.js';

let open: RemoteWriteDecoders | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function started(opts: Partial<ConstructorParameters<typeof RemoteWriteDecoders>[0]> = {}): Promise<RemoteWriteDecoders> {
  open = new RemoteWriteDecoders({ workers: 1, logger: silentLogger(), inlineBelowBytes: 0, ...opts });
  await open.ready();
  return open;
}

function body(seriesCount: number, samples = 3): Buffer {
  const series: SeriesSamples[] = Array.from({ length: seriesCount }, (_, i) => {
    const values = doubleArray();
    for (let j = 0; j < samples; j++) values.push(j === 1 ? STALE_NAN : j === 2 ? Number.NaN : i + j / 10);
    return { labels: { __name__: 'm', i: String(i) }, timestamps: Array.from({ length: samples }, (_, j) => 1000 * (j + 1)), values };
  });
  // Staleness markers exactly as Prometheus writes them: the encoder's Buffer.writeDoubleLE sets the quiet bit.
  const raw = encodeWriteRequest(series);
  const quiet = Buffer.from('020000000000f87f', 'hex');
  for (let at = raw.indexOf(quiet); at >= 0; at = raw.indexOf(quiet, at + 8)) raw[at + 6] = 0xf0;
  return compressSync(raw);
}

/** The bytes of a float, little-endian, in hex (V8 may set a NaN's quiet bit on the way: see core/stale.ts). */
function bits(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return Buffer.from(b.buffer).toString('hex');
}

/** What a decode gave, with values as bit patterns (so staleness markers and NaNs are compared exactly). */
async function outcome(p: Promise<{ series: SeriesSamples[]; origin: number[]; rejections: unknown[] }>) {
  try {
    const d = await p;
    return {
      series: d.series.map((s) => ({ ...s, labels: { ...s.labels }, values: s.values.map(bits) })),
      origin: d.origin,
      rejections: d.rejections,
    };
  } catch (e) {
    return { error: isVigilError(e) ? e.code : String(e) };
  }
}

describe('remote_write decode workers', () => {
  it('decode on the worker exactly as on the main thread, NaN payloads included, and reuse label sets', async () => {
    const d = await started();
    const b = body(50);
    const onWorker = await outcome(d.decode(b, 1 << 20, 1000));
    expect(onWorker).toEqual(await outcome(decodeRemoteWriteBody(b, 1 << 20, 1000)));
    const values = (await d.decode(b, 1 << 20, 1000)).series[0]?.values ?? [];
    expect([isStaleNaN(values[1] as number), Number.isNaN(values[2]), isStaleNaN(values[2] as number)]).toEqual([true, true, false]);
    const again = await d.decode(b, 1 << 20, 1000);
    const first = await d.decode(b, 1 << 20, 1000);
    expect(again.series[7]?.labels).toBe(first.series[7]?.labels);
    expect(d.workerDecodes).toBe(4);
  });

  it('refuse bad bodies with the same errors as the main thread', async () => {
    const d = await started();
    const cases: [Buffer, number, number][] = [
      [Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]), 1 << 20, 1000],
      [compressSync(Buffer.from([0x0a, 0x50, 0x01])), 1 << 20, 1000],
      [body(5, 5), 1 << 20, 10],
      [compressSync(Buffer.alloc(100_000)), 1000, 1000],
    ];
    const codes: unknown[] = [];
    for (const [b, limit, max] of cases) {
      const here = await outcome(decodeRemoteWriteBody(b, limit, max));
      expect(await outcome(d.decode(b, limit, max))).toEqual(here);
      codes.push((here as { error?: string }).error);
    }
    expect(codes).toEqual(['BAD_ENCODING', 'BAD_PAYLOAD', 'TOO_MANY_SAMPLES', 'BODY_TOO_LARGE']);
  });

  it('decode small bodies inline, and refuse with OVERLOADED when too many bytes wait', async () => {
    const d = await started({ inlineBelowBytes: 200, maxPendingBytes: 100 });
    await d.decode(body(1), 1 << 20, 1000);
    expect(d.workerDecodes).toBe(0);
    const big = body(200);
    const first = d.decode(big, 1 << 20, 10_000);
    await expect(d.decode(big, 1 << 20, 10_000)).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect((await first).series).toHaveLength(200);
    expect(d.pending).toBe(0);
  });

  it('fail the requests of a worker that died with NOT_READY, then work on a new worker', async () => {
    const d = await started();
    const slots = (d as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    const inFlight = d.decode(body(2000), 1 << 22, 100_000);
    await slots[0]?.worker.terminate();
    await expect(inFlight).rejects.toMatchObject({ code: 'NOT_READY' });
    await d.ready();
    const after = await d.decode(body(3), 1 << 20, 1000);
    expect(after.series).toHaveLength(3);
    expect(d.workerDecodes).toBe(1);
  });
});
