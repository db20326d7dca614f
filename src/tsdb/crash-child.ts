/**
 * Child process of the crash test (`crash.test.ts`): opens the store in argv[2], then appends
 * continuously from several concurrent writers until it is killed. After each append resolves it
 * prints `ack <series> <firstT> <count>`; values are a pure function of (series, t) so the parent
 * can check every acknowledged sample after the kill. Run with `node --import tsx crash-child.ts DIR`.
 */
import { fileURLToPath } from 'node:url';
import { openStorage } from './storage.js';

/** Step between two samples of a series. */
export const STEP_MS = 1000;
/** Series the child writes. */
export const SERIES = 12;
/** The value stored for series `s` at time `t`. */
export function expectedValue(s: number, t: number): number {
  return s % 3 === 0 ? 42 : s % 3 === 1 ? ((t / STEP_MS) % 997) / 10 : t / STEP_MS + s * 1e6;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: crash-child DIR');
  const store = await openStorage({ dir, walCheckpointBytes: 256 * 1024, outOfOrderWindowMs: 60_000 });
  const base = 1_700_000_000_000;
  const next: number[] = [];
  const latest = await store.latest('crash', [{ name: '__name__', op: '=', value: 'crash_test' }]);
  for (let s = 0; s < SERIES; s++) {
    const l = latest.find((x) => x.labels.s === String(s));
    next.push(l === undefined ? base : l.t + STEP_MS);
  }
  process.stdout.write('ready\n');
  const writer = async (w: number): Promise<void> => {
    for (let round = 0; ; round++) {
      for (let s = w; s < SERIES; s += 4) {
        const n = 1 + ((round * 7 + s) % 40);
        const first = next[s]!;
        next[s] = first + n * STEP_MS;
        const ts: number[] = [];
        const vs: number[] = [];
        for (let i = 0; i < n; i++) {
          ts.push(first + i * STEP_MS);
          vs.push(expectedValue(s, first + i * STEP_MS));
        }
        // Every few rounds, replay the last sample of the previous batch, as an agent retrying would.
        if (round % 5 === 0 && first > base) {
          ts.unshift(first - STEP_MS);
          vs.unshift(expectedValue(s, first - STEP_MS));
        }
        const res = await store.append('crash', [{ labels: { __name__: 'crash_test', s: String(s) }, timestamps: ts, values: vs }]);
        if (res.rejected.length > 0) throw new Error(`unexpected rejection ${JSON.stringify(res.rejected[0])}`);
        process.stdout.write(`ack ${s} ${first} ${n}\n`);
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map((w) => writer(w)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`crash-child failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
