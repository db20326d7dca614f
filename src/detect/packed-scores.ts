import type { ScoredBatch, WorkItem } from './protocol.js';

/**
 * A push's scores as a detection worker sends them back: numbers only, in moved typed arrays. The engine kept the
 * pushed items (series, labels, timestamps, end), so none of that crosses threads again; cloning each series'
 * labels and four arrays of numbers back was about a third of the worker's time and more of the main thread's.
 */
export interface PackedScores {
  /** Scores, then lower bands, then upper bands, each for every pushed sample in item order. */
  columns: Float64Array<ArrayBuffer>;
  /** Per pushed item: bit 0 = still learning at its last sample; bit 1 = nothing scored for it (no entry). */
  flags: Uint8Array<ArrayBuffer>;
}

const LEARNING = 1;
const OMITTED = 2;

/** Packs a shard's ScoredBatch for `items` (its entries follow the items in order; an item may have none). */
export function packScores(items: readonly WorkItem[], scores: ScoredBatch): PackedScores {
  let total = 0;
  for (const it of items) total += it.timestamps.length;
  const columns = new Float64Array(3 * total);
  const flags = new Uint8Array(items.length);
  let j = 0;
  let at = 0;
  for (let k = 0; k < items.length; k++) {
    const item = items[k] as WorkItem;
    const n = item.timestamps.length;
    const s = scores[j];
    if (s === undefined || s.series !== item.series || s.scores.length !== n) {
      flags[k] = OMITTED;
      at += n;
      continue;
    }
    j++;
    if (s.learning) flags[k] = LEARNING;
    for (let i = 0; i < n; i++, at++) {
      columns[at] = s.scores[i] as number;
      columns[total + at] = s.lower[i] as number;
      columns[2 * total + at] = s.upper[i] as number;
    }
  }
  return { columns, flags };
}

/** The ScoredBatch of a push of `items`, from what its worker sent back. */
export function unpackScores(items: readonly WorkItem[], packed: PackedScores): ScoredBatch {
  const { columns, flags } = packed;
  const total = columns.length / 3;
  const out: ScoredBatch = [];
  let at = 0;
  for (let k = 0; k < items.length; k++) {
    const item = items[k] as WorkItem;
    const n = item.timestamps.length;
    const f = flags[k] as number;
    if ((f & OMITTED) !== 0) {
      at += n;
      continue;
    }
    const scores = new Array<number>(n);
    const lower = new Array<number>(n);
    const upper = new Array<number>(n);
    for (let i = 0; i < n; i++, at++) {
      scores[i] = columns[at] as number;
      lower[i] = columns[total + at] as number;
      upper[i] = columns[2 * total + at] as number;
    }
    const entry = {
      series: item.series,
      labels: item.labels,
      timestamps: item.timestamps,
      scores,
      lower,
      upper,
      learning: (f & LEARNING) !== 0,
    };
    out.push(item.endedAt === undefined ? entry : { ...entry, endedAt: item.endedAt });
  }
  return out;
}
