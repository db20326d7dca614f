import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Rejection, SeriesSamples } from '../../core/index.js';
import { floatToJson, VigilError } from '../../core/index.js';

const gzip = promisify(gzipCb);

/** Totals of an import. */
export interface SendTotals {
  accepted: number;
  rejected: number;
  /** Rejections by reason. */
  reasons: Record<string, number>;
}

/**
 * Sends samples to a Vigil server's `POST /api/v1/ingest` in gzip'd requests of at most `maxSamples`,
 * adding the answers' counts to `totals`. A 4xx other than 429 stops with an error naming the answer.
 */
export async function sendToVigil(
  server: string,
  key: string,
  batch: readonly SeriesSamples[],
  totals: SendTotals,
  maxSamples = 50_000,
): Promise<void> {
  let chunk: { labels: Record<string, string>; samples: [number, number | string][] }[] = [];
  let n = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const body = await gzip(JSON.stringify({ series: chunk }));
    chunk = [];
    n = 0;
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(new URL('/api/v1/ingest', server), {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      });
      if (res.status === 429 || res.status >= 500) {
        if (attempt >= 8) throw new VigilError('OVERLOADED', `server answered ${res.status} ${attempt + 1} times`);
        await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** attempt)));
        continue;
      }
      const answer = (await res.json()) as { accepted?: number; rejected?: Rejection[]; error?: { message: string } };
      if (!res.ok) throw new VigilError('BAD_REQUEST', `server answered ${res.status}: ${answer.error?.message ?? 'error'}`);
      totals.accepted += answer.accepted ?? 0;
      for (const r of answer.rejected ?? []) {
        totals.rejected++;
        totals.reasons[r.reason] = (totals.reasons[r.reason] ?? 0) + 1;
      }
      return;
    }
  };
  for (const s of batch) {
    for (let i = 0; i < s.timestamps.length; i += maxSamples) {
      const samples: [number, number | string][] = [];
      const stop = Math.min(s.timestamps.length, i + maxSamples);
      for (let j = i; j < stop; j++) samples.push([s.timestamps[j] as number, floatToJson(s.values[j] as number)]);
      chunk.push({ labels: s.labels, samples });
      n += samples.length;
      if (n >= maxSamples) await flush();
    }
  }
  await flush();
}
