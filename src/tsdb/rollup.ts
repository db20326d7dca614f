import type Database from 'better-sqlite3';
import { StepAccumulator, counterIncrease } from './aggregate.js';
import { beginBlob, decimalScale, finishBlob, openBlob, readTimestamps, readValues, writeTimestamps, writeValues } from './chunk.js';
import { type MemSeries, lowerBound } from './head.js';
import type { StepQuery } from './interface.js';

/** Rollup resolutions in milliseconds. */
export type Resolution = 60_000 | 3_600_000;

const M1: Resolution = 60_000;
const H1: Resolution = 3_600_000;
/** Complete hours gathered before one 1h blob is written. */
const H1_BLOB_HOURS = 24;

/**
 * Columns of a run of buckets (or of raw samples seen as one-sample buckets). A bucket of
 * resolution r ending at `end` covers (end - r, end]. `inc` is the reset-aware counter increase of
 * the pairs whose later sample is in the bucket, or NaN when it was not stored: then it is derived
 * from the previous bucket's `last` (exact for series that did not decrease inside the bucket).
 */
export class Buckets {
  end: Float64Array;
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  count: Float64Array;
  last: Float64Array;
  inc: Float64Array;
  n = 0;
  /** True when the first bucket holds the first sample ever of its series (it has no predecessor). */
  noPrev = false;

  constructor(cap = 64) {
    this.end = new Float64Array(cap);
    this.min = new Float64Array(cap);
    this.max = new Float64Array(cap);
    this.sum = new Float64Array(cap);
    this.count = new Float64Array(cap);
    this.last = new Float64Array(cap);
    this.inc = new Float64Array(cap);
  }

  /** Ensures room for `cap` buckets and empties the run. */
  reset(cap: number): void {
    if (this.end.length < cap) {
      const c = Math.max(cap, this.end.length * 2);
      this.end = new Float64Array(c);
      this.min = new Float64Array(c);
      this.max = new Float64Array(c);
      this.sum = new Float64Array(c);
      this.count = new Float64Array(c);
      this.last = new Float64Array(c);
      this.inc = new Float64Array(c);
    }
    this.n = 0;
    this.noPrev = false;
  }
}

function bucketEnd(t: number, res: number): number {
  return Math.ceil(t / res) * res;
}

/**
 * Builds `res` buckets from samples [0, k) of `ts`/`vs`. Sums are computed on scaled integers when
 * the values are short decimals, so they stay short decimals and compress as well as the samples.
 * `inc` is stored only for counter-like runs with a reset; elsewhere NaN (derivable).
 */
export function bucketsFromSamples(
  out: Buckets,
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  k: number,
  res: number,
  prev: number | undefined,
): boolean {
  out.reset(k);
  const scale = decimalScale(vs, 0, k);
  const p = scale >= 0 ? 10 ** scale : 1;
  let decreases = 0;
  let pv = prev;
  for (let i = 0; i < k; i++) {
    const v = vs[i]!;
    if (pv !== undefined && v < pv) decreases++;
    pv = v;
  }
  const storeInc = decreases > 0 && decreases * 10 < k;
  out.noPrev = prev === undefined;
  pv = prev;
  let b = -1;
  let curEnd = Number.NaN;
  let isum = 0;
  for (let i = 0; i < k; i++) {
    const t = ts[i]!;
    const v = vs[i]!;
    const e = bucketEnd(t, res);
    if (e !== curEnd) {
      if (b >= 0 && scale >= 0) out.sum[b] = isum / p;
      b++;
      curEnd = e;
      out.end[b] = e;
      out.min[b] = v;
      out.max[b] = v;
      out.sum[b] = 0;
      out.count[b] = 0;
      out.inc[b] = storeInc ? 0 : Number.NaN;
      isum = 0;
    }
    if (v < out.min[b]! || Number.isNaN(out.min[b]!)) out.min[b] = v;
    if (v > out.max[b]! || Number.isNaN(out.max[b]!)) out.max[b] = v;
    if (scale >= 0) isum += Math.round(v * p);
    else out.sum[b]! += v;
    out.count[b]!++;
    out.last[b] = v;
    if (storeInc && pv !== undefined) out.inc[b]! += counterIncrease(pv, v);
    pv = v;
  }
  if (b >= 0 && scale >= 0) out.sum[b] = isum / p;
  out.n = b + 1;
  return storeInc;
}

/** Encodes a run of buckets as a blob (same codec and CRC as chunks). */
export function encodeBuckets(b: Buckets, hasInc: boolean): Buffer {
  const w = beginBlob(b.n);
  w.writeBit(hasInc ? 1 : 0);
  w.writeBit(b.noPrev ? 1 : 0);
  writeTimestamps(w, b.end, 0, b.n);
  writeValues(w, b.min, 0, b.n);
  writeValues(w, b.max, 0, b.n);
  writeValues(w, b.sum, 0, b.n);
  writeValues(w, b.count, 0, b.n);
  writeValues(w, b.last, 0, b.n);
  if (hasInc) writeValues(w, b.inc, 0, b.n);
  return finishBlob(w);
}

/** Decodes a blob written by `encodeBuckets` into `out` (appending). */
export function decodeBuckets(blob: Uint8Array, out: Buckets): void {
  const { r, count } = openBlob(blob);
  const hasInc = r.readBit() === 1;
  const noPrev = r.readBit() === 1;
  const off = out.n;
  if (out.end.length < off + count) {
    const tmp = new Buckets(Math.max(64, (off + count) * 2));
    for (const key of ['end', 'min', 'max', 'sum', 'count', 'last', 'inc'] as const) tmp[key].set(out[key].subarray(0, off));
    out.end = tmp.end;
    out.min = tmp.min;
    out.max = tmp.max;
    out.sum = tmp.sum;
    out.count = tmp.count;
    out.last = tmp.last;
    out.inc = tmp.inc;
  }
  if (off === 0) out.noPrev = noPrev;
  readTimestamps(r, count, out.end, off);
  readValues(r, count, out.min, off);
  readValues(r, count, out.max, off);
  readValues(r, count, out.sum, off);
  readValues(r, count, out.count, off);
  readValues(r, count, out.last, off);
  if (hasInc) readValues(r, count, out.inc, off);
  else out.inc.fill(Number.NaN, off, off + count);
  out.n = off + count;
}

/**
 * Per-minute and per-hour rollups. 1m buckets are written per sealed chunk (one blob, its edge
 * buckets partial and merged at read time). 1h buckets are built from 1m blobs once a day of
 * complete hours has accumulated, one blob per series per day, so nothing lives only in memory.
 */
export class Rollups {
  private readonly buf = new Buckets(256);
  private readonly read = new Buckets(256);
  private readonly stmt: {
    insert1m: Database.Statement;
    insert1h: Database.Statement;
    setH1: Database.Statement;
    in1m: Database.Statement;
    in1h: Database.Statement;
  };
  private readonly cursor = { m1: 0, h1: 0 };

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rollup_1m (series_id INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS rollup_1m_by_series ON rollup_1m (series_id, max_t);
      CREATE TABLE IF NOT EXISTS rollup_1h (series_id INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS rollup_1h_by_series ON rollup_1h (series_id, max_t);
    `);
    this.stmt = {
      insert1m: db.prepare('INSERT INTO rollup_1m (series_id, min_t, max_t, data) VALUES (?, ?, ?, ?)'),
      insert1h: db.prepare('INSERT INTO rollup_1h (series_id, min_t, max_t, data) VALUES (?, ?, ?, ?)'),
      setH1: db.prepare('UPDATE series SET h1_max_t = ? WHERE id = ?'),
      in1m: db.prepare('SELECT data FROM rollup_1m WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY max_t').pluck(),
      in1h: db.prepare('SELECT data FROM rollup_1h WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY max_t').pluck(),
    };
  }

  /** Records the 1m rollup of head samples [0, k) of `s` (being sealed), and the 1h rollup when a day of hours is complete. */
  add(s: MemSeries, k: number): void {
    const hasInc = bucketsFromSamples(this.buf, s.ts, s.vs, k, M1, s.lastSealedV);
    const b = this.buf;
    this.stmt.insert1m.run(s.id, b.end[0]!, b.end[b.n - 1]!, encodeBuckets(b, hasInc));
    const completeHours = Math.floor(s.ts[k - 1]! / H1) * H1;
    const from = Number.isFinite(s.h1MaxT) ? s.h1MaxT : bucketEnd(s.minT, H1) - H1;
    if (completeHours - from >= H1_BLOB_HOURS * H1) this.writeH1(s, from, completeHours);
  }

  /** Builds 1h buckets ending in (from, to] from the 1m blobs and writes them as one blob. */
  private writeH1(s: MemSeries, from: number, to: number): void {
    const src = this.read;
    src.reset(64);
    for (const blob of this.stmt.in1m.iterate(s.id, from + 1, to) as IterableIterator<Buffer>) decodeBuckets(blob, src);
    let scale = 0;
    for (let i = 0; i < src.n && scale >= 0; i++) {
      const e = src.end[i]!;
      if (e <= from || e > to) continue;
      const k = decimalScale(src.sum, i, i + 1);
      scale = k < 0 ? -1 : Math.max(scale, k);
    }
    const p = scale >= 0 ? 10 ** scale : 1;
    const out = this.buf;
    out.reset(Math.ceil((to - from) / H1) + 2);
    out.noPrev = src.noPrev;
    let b = -1;
    let prevLast: number | undefined;
    let isum = 0;
    for (let i = 0; i < src.n; i++) {
      const e = src.end[i]!;
      if (e <= from || e > to) {
        prevLast = src.last[i];
        continue;
      }
      const he = bucketEnd(e, H1);
      if (b < 0 || out.end[b] !== he) {
        if (b >= 0 && scale >= 0) out.sum[b] = isum / p;
        b++;
        isum = 0;
        out.end[b] = he;
        out.min[b] = src.min[i]!;
        out.max[b] = src.max[i]!;
        out.sum[b] = 0;
        out.count[b] = 0;
        out.inc[b] = 0;
      }
      if (src.min[i]! < out.min[b]!) out.min[b] = src.min[i]!;
      if (src.max[i]! > out.max[b]!) out.max[b] = src.max[i]!;
      if (scale >= 0) isum += Math.round(src.sum[i]! * p);
      else out.sum[b]! += src.sum[i]!;
      out.count[b]! += src.count[i]!;
      out.last[b] = src.last[i]!;
      const inc = src.inc[i]!;
      out.inc[b]! += Number.isNaN(inc) ? (prevLast === undefined ? 0 : counterIncrease(prevLast, src.last[i]!)) : inc;
      prevLast = src.last[i]!;
    }
    if (b >= 0 && scale >= 0) out.sum[b] = isum / p;
    out.n = b + 1;
    if (out.n > 0) this.stmt.insert1h.run(s.id, out.end[0]!, out.end[out.n - 1]!, encodeBuckets(out, true));
    this.stmt.setH1.run(to, s.id);
    s.h1MaxT = to;
  }

  /** The coarsest resolution whose buckets tile the query's buckets exactly, if any. */
  resolutionFor(q: StepQuery): Resolution | undefined {
    for (const res of [H1, M1] as const) if (q.step % res === 0 && q.start % res === 0) return res;
    return undefined;
  }

  /** Step aggregation from 1h blobs (where written), then 1m blobs, then raw head samples. */
  aggregate(s: MemSeries, res: Resolution, q: StepQuery): { timestamps: number[]; values: number[] } {
    const from = q.start - q.step - res;
    const acc = new StepAccumulator(q);
    const src = this.read;
    let covered = Number.NEGATIVE_INFINITY;
    let firstEver = true;
    if (res === H1 && Number.isFinite(s.h1MaxT) && s.h1MaxT >= from) {
      src.reset(64);
      for (const blob of this.stmt.in1h.iterate(s.id, from, Math.min(q.end, s.h1MaxT)) as IterableIterator<Buffer>) decodeBuckets(blob, src);
      for (let i = 0; i < src.n; i++) {
        acc.add(src.end[i]!, src.min[i]!, src.max[i]!, src.sum[i]!, src.count[i]!, src.last[i]!, src.inc[i]!, i === 0 && src.noPrev);
      }
      firstEver = false;
      covered = s.h1MaxT;
    }
    if (s.sealedMaxT > Number.NEGATIVE_INFINITY && s.sealedMaxT >= from) {
      src.reset(64);
      const lo = Math.max(from, covered + 1);
      for (const blob of this.stmt.in1m.iterate(s.id, lo, q.end) as IterableIterator<Buffer>) decodeBuckets(blob, src);
      for (let i = 0; i < src.n; i++) {
        const e = src.end[i]!;
        if (e <= covered) continue;
        acc.add(e, src.min[i]!, src.max[i]!, src.sum[i]!, src.count[i]!, src.last[i]!, src.inc[i]!, firstEver && i === 0 && src.noPrev);
      }
    }
    acc.addSamples(s.ts, s.vs, 0, lowerBound(s.ts, s.n, q.end + 1));
    acc.flush();
    return { timestamps: acc.timestamps, values: acc.values };
  }

  /** One retention step over each rollup table: deletes expired blobs among the next few hundred rows. */
  retentionStep(cut1m: number, cut1h: number): { m1: number; h1: number } {
    return { m1: this.expire('rollup_1m', 'm1', cut1m), h1: this.expire('rollup_1h', 'h1', cut1h) };
  }

  private expire(table: string, key: 'm1' | 'h1', cut: number): number {
    const rows = this.db.prepare(`SELECT rowid AS id, max_t FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT 500`).all(this.cursor[key]) as {
      id: number;
      max_t: number;
    }[];
    this.cursor[key] = rows.length === 0 ? 0 : rows[rows.length - 1]!.id;
    const expired = rows.filter((r) => r.max_t < cut);
    if (expired.length === 0) return 0;
    const del = this.db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
    this.db.transaction(() => {
      for (const r of expired) del.run(r.id);
    })();
    return expired.length;
  }
}
