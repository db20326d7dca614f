import type { Labels } from '../core/index.js';
import type { ScoredBatch, WorkItem } from './protocol.js';

// How pushes and their scores cross between the detection engine and its workers: numbers in moved typed arrays,
// labels once per series. Cloning every series' labels and arrays of numbers both ways for every batch was the
// largest part of scoring's cost outside the models themselves (ADR 0010).

/**
 * A push's scores as a detection worker sends them back: numbers only. The engine kept the pushed items (series,
 * labels, timestamps, end), so none of that crosses threads again.
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

/**
 * A push as it crosses to a worker: every item's samples in two moved arrays, and each series' labels only the
 * first time this worker's current label table meets the series (`LabelsSent`), instead of every item's labels and
 * two arrays being cloned for every batch.
 */
export interface PackedPush {
  /** Generation of the worker's label table; the worker starts its table afresh when it changes. */
  gen: number;
  series: string[];
  /** Labels of item k, or undefined when the worker already has them for `series[k]`. */
  labels: (Labels | undefined)[];
  counts: Int32Array<ArrayBuffer>;
  times: Float64Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  /** Items' `excluded` and `endedAt`, by item index, for the few that have them. */
  excluded?: Record<number, Uint8Array>;
  endedAt?: Record<number, number>;
}

/** Which series' labels the engine has sent to one worker in the worker's current label table. */
export class LabelsSent {
  gen = 0;
  private sent = new Set<string>();

  /** At most this many series per generation; then both sides start afresh (bounds the worker's table). */
  constructor(private readonly limit = 200_000) {}

  /** Starts afresh (a new worker, whose table is empty). */
  reset(): void {
    this.gen++;
    this.sent = new Set();
  }

  /** Packs `items` for the worker, with labels only for series it has not had in this generation. */
  pack(items: readonly WorkItem[]): PackedPush {
    if (this.sent.size >= this.limit) this.reset();
    let total = 0;
    for (const it of items) total += it.timestamps.length;
    const counts = new Int32Array(items.length);
    const times = new Float64Array(total);
    const values = new Float64Array(total);
    const out: PackedPush = { gen: this.gen, series: [], labels: [], counts, times, values };
    let at = 0;
    for (let k = 0; k < items.length; k++) {
      const it = items[k] as WorkItem;
      out.series.push(it.series);
      if (this.sent.has(it.series)) out.labels.push(undefined);
      else {
        this.sent.add(it.series);
        out.labels.push(it.labels);
      }
      const n = it.timestamps.length;
      counts[k] = n;
      for (let i = 0; i < n; i++, at++) {
        times[at] = it.timestamps[i] as number;
        values[at] = it.values[i] as number;
      }
      if (it.excluded !== undefined) {
        out.excluded ??= {};
        out.excluded[k] = it.excluded;
      }
      if (it.endedAt !== undefined) {
        out.endedAt ??= {};
        out.endedAt[k] = it.endedAt;
      }
    }
    return out;
  }
}

/** The worker's side: the labels of every series its engine has sent in the current generation. */
export class LabelTable {
  private gen = -1;
  private readonly labels = new Map<string, Labels>();

  /** The items of a packed push. Throws if an item's labels were never sent (the two sides disagree). */
  unpack(p: PackedPush): WorkItem[] {
    if (p.gen !== this.gen) {
      this.gen = p.gen;
      this.labels.clear();
    }
    const items: WorkItem[] = new Array(p.series.length);
    let at = 0;
    for (let k = 0; k < p.series.length; k++) {
      const series = p.series[k] as string;
      let labels = p.labels[k];
      if (labels !== undefined) this.labels.set(series, labels);
      else labels = this.labels.get(series);
      if (labels === undefined) throw new Error(`detection push without the labels of ${series}`);
      const n = p.counts[k] as number;
      const timestamps = new Array<number>(n);
      const values = new Array<number>(n);
      for (let i = 0; i < n; i++, at++) {
        timestamps[i] = p.times[at] as number;
        values[i] = p.values[at] as number;
      }
      const item: WorkItem = { series, labels, timestamps, values };
      const ex = p.excluded?.[k];
      if (ex !== undefined) item.excluded = ex;
      const end = p.endedAt?.[k];
      if (end !== undefined) item.endedAt = end;
      items[k] = item;
    }
    return items;
  }
}
