import type Database from 'better-sqlite3';
import { isStaleNaN, VigilError } from '../core/index.js';
import { counterIncrease, StepAccumulator } from './aggregate.js';
import { BitReader, BitWriter } from './bits.js';
import { beginBlob, decimalScale, finishBlob, openBlob, readTimestamps, readValues, writeTimestamps, writeValues } from './chunk.js';
import { lowerBound, type MemSeries } from './head.js';
import type { StepAggregation, StepQuery } from './interface.js';
import { RowExpiry } from './row-expiry.js';

/** Rollup resolutions in milliseconds. */
export type Resolution = 60_000 | 3_600_000;

const M1: Resolution = 60_000;
const H1: Resolution = 3_600_000;
/** Span of the merged 1m blobs written by compaction. */
const COMPACT_WINDOW = 6 * 3_600_000;

/** Sum of two partial sums, kept a short decimal when both parts are (so it compresses like them). */
function addDecimal(a: number, b: number): number {
  const ka = decimalScale([a], 0, 1);
  const kb = decimalScale([b], 0, 1);
  const total = a + b;
  if (ka < 0 || kb < 0) return total;
  const p = 10 ** Math.max(ka, kb);
  return Math.abs(total) * p < 2 ** 52 ? Math.round(total * p) / p : total;
}

/** Complete hours gathered in memory before one 1h blob is written. */
const H1_BLOB_HOURS = 6;

/** Hours of one series not yet written: 1h buckets, the last value folded in, and each bucket's decimal scale (-1: not decimal). */
interface PendingHours {
  b: Buckets;
  prevLast: number | undefined;
  scale: number[];
  /** The series has no 1h blob yet, so its first bucket may hold its first sample ever. */
  fresh: boolean;
}

/** Folds bucket `i` of `src` (a 1m bucket, in time order) into the pending hours. */
function mergeHour(p: PendingHours, src: Buckets, i: number, scale: number): void {
  const b = p.b;
  const he = bucketEnd(src.end[i]!, H1);
  let j = b.n - 1;
  const last = src.last[i]!;
  let inc = src.inc[i]!;
  if (Number.isNaN(inc)) inc = p.prevLast === undefined ? 0 : counterIncrease(p.prevLast, last);
  if (j < 0 || b.end[j] !== he) {
    if (b.n === b.end.length) b.grow(b.n * 2);
    if (b.n === 0 && p.fresh && p.prevLast === undefined) b.noPrev = src.noPrev && i === 0;
    j = b.n++;
    b.end[j] = he;
    b.min[j] = src.min[i]!;
    b.max[j] = src.max[i]!;
    b.sum[j] = 0;
    b.count[j] = 0;
    b.inc[j] = 0;
    p.scale[j] = scale;
  } else if (scale < 0 || p.scale[j]! < 0) p.scale[j] = -1;
  else p.scale[j] = Math.max(p.scale[j]!, scale);
  if (src.min[i]! < b.min[j]!) b.min[j] = src.min[i]!;
  if (src.max[i]! > b.max[j]!) b.max[j] = src.max[i]!;
  b.sum[j]! += src.sum[i]!;
  b.count[j]! += src.count[i]!;
  b.last[j] = last;
  b.inc[j]! += inc;
  p.prevLast = last;
}

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

  /** Decimal scale shared by the samples the buckets were built from (-1: not decimal). */
  scale = -1;

  /** Ensures room for `cap` buckets and empties the run. */
  reset(cap: number): void {
    if (this.end.length < cap) this.grow(cap);
    this.n = 0;
    this.noPrev = false;
  }

  /** Ensures room for `cap` buckets, keeping the current ones. */
  grow(cap: number): void {
    if (this.end.length >= cap) return;
    const c = Math.max(cap, this.end.length * 2);
    for (const key of ['end', 'min', 'max', 'sum', 'count', 'last', 'inc'] as const) {
      const next = new Float64Array(c);
      next.set(this[key].subarray(0, this.n));
      this[key] = next;
    }
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
  out.scale = scale;
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
    // A staleness marker ends a series; it is not a value to roll up.
    if (isStaleNaN(v)) continue;
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

/** Columns of a rollup blob after the bucket ends, in order; each is byte-aligned so a query decodes only what it needs. */
const COLUMNS = ['min', 'max', 'sum', 'count', 'last', 'inc'] as const;
/** A rollup column name. */
export type RollupColumn = (typeof COLUMNS)[number];

const columnWriter = new BitWriter(1 << 14);

/** Encodes a run of buckets as a blob (same codecs and CRC as chunks), with byte lengths of its columns up front. */
export function encodeBuckets(b: Buckets, hasInc: boolean): Buffer {
  const cw = columnWriter;
  cw.reset();
  // Counters that only grow have last = max in every bucket: store that column once.
  let lastIsMax = true;
  for (let i = 0; i < b.n && lastIsMax; i++) lastIsMax = Object.is(b.last[i], b.max[i]);
  const lengths: number[] = [];
  let last = 0;
  for (const col of COLUMNS) {
    if (col === 'inc' && !hasInc) break;
    if (!(col === 'last' && lastIsMax)) {
      writeValues(cw, b[col], 0, b.n);
      cw.pad();
    }
    lengths.push(cw.byteLength - last);
    last = cw.byteLength;
  }
  const w = beginBlob(b.n);
  w.writeBit(hasInc ? 1 : 0);
  w.writeBit(b.noPrev ? 1 : 0);
  w.writeBit(lastIsMax ? 1 : 0);
  writeTimestamps(w, b.end, 0, b.n);
  w.pad();
  for (const len of lengths) w.writeVarint(len);
  w.writeBytes(cw.buf.subarray(0, cw.byteLength));
  return finishBlob(w);
}

/** Columns each aggregation reads (count is always needed to tell empty buckets). */
const COLUMNS_FOR: Record<StepAggregation, ReadonlySet<RollupColumn>> = {
  avg: new Set(['sum', 'count']),
  sum: new Set(['sum', 'count']),
  min: new Set(['min', 'count']),
  max: new Set(['max', 'count']),
  count: new Set(['count']),
  last: new Set(['last', 'count']),
  rate: new Set(['last', 'inc', 'count']),
};

/** All columns. */
export const ALL_COLUMNS: ReadonlySet<RollupColumn> = new Set(COLUMNS);

/** Decodes a blob written by `encodeBuckets` into `out` (appending); columns not in `want` are left as NaN. */
export function decodeBuckets(blob: Uint8Array, out: Buckets, want: ReadonlySet<RollupColumn> = ALL_COLUMNS): void {
  const { r, count } = openBlob(blob);
  const hasInc = r.readBit() === 1;
  const noPrev = r.readBit() === 1;
  const lastIsMax = r.readBit() === 1;
  const off = out.n;
  out.grow(off + count);
  if (off === 0) out.noPrev = noPrev;
  readTimestamps(r, count, out.end, off);
  r.alignToByte();
  const starts: number[] = [];
  const ends: number[] = [];
  const lengths: number[] = [];
  for (const col of COLUMNS) {
    if (col === 'inc' && !hasInc) break;
    lengths.push(r.readVarint());
  }
  let at = r.alignToByte();
  const end = blob.length - 4;
  for (const len of lengths) {
    starts.push(at);
    at += len;
    ends.push(at);
  }
  if (at !== end) throw new VigilError('STORAGE_CORRUPT', 'rollup column lengths do not match the blob');
  for (let c = 0; c < COLUMNS.length; c++) {
    const col = COLUMNS[c]!;
    // With lastIsMax, `last` is read from the `max` column (index 1).
    const src = col === 'last' && lastIsMax ? 1 : c;
    if (starts[c] === undefined || !want.has(col)) out[col].fill(Number.NaN, off, off + count);
    else readValues(new BitReader(blob, starts[src]!, ends[src]!), count, out[col], off);
  }
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
    next1m: Database.Statement;
    window1m: Database.Statement;
    delete1m: Database.Statement;
  };
  private compactCursor = 0;
  /** Per series, the end of the last window checked by compaction. */
  private readonly compacted = new Map<number, number>();
  private readonly expiry: { m1: RowExpiry; h1: RowExpiry };
  private readonly hours = new Buckets(16);
  private readonly pending = new Map<number, PendingHours>();

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS rollup_1m (series_id INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS rollup_1m_by_series ON rollup_1m (series_id, max_t);
      CREATE TABLE IF NOT EXISTS rollup_1h (series_id INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS rollup_1h_by_series ON rollup_1h (series_id, max_t);
    `);
    this.expiry = { m1: new RowExpiry(db, 'rollup_1m'), h1: new RowExpiry(db, 'rollup_1h') };
    this.stmt = {
      insert1m: db.prepare('INSERT INTO rollup_1m (series_id, min_t, max_t, data) VALUES (?, ?, ?, ?)'),
      insert1h: db.prepare('INSERT INTO rollup_1h (series_id, min_t, max_t, data) VALUES (?, ?, ?, ?)'),
      setH1: db.prepare('UPDATE series SET h1_max_t = ? WHERE id = ?'),
      in1m: db.prepare('SELECT data FROM rollup_1m WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY max_t').pluck(),
      in1h: db.prepare('SELECT data FROM rollup_1h WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY max_t').pluck(),
      next1m: db.prepare('SELECT min_t, max_t FROM rollup_1m WHERE series_id = ? AND max_t >= ? ORDER BY max_t LIMIT 2'),
      window1m: db.prepare('SELECT rowid AS id, data FROM rollup_1m WHERE series_id = ? AND max_t >= ? AND max_t <= ? ORDER BY max_t'),
      delete1m: db.prepare('DELETE FROM rollup_1m WHERE rowid = ?'),
    };
  }

  /** Loads each series' newest 1m bucket end from the rollup index. */
  load(byId: (id: number) => MemSeries | undefined): void {
    for (const r of this.db
      .prepare('SELECT series_id AS id, max(max_t) AS t FROM rollup_1m GROUP BY series_id')
      .iterate() as IterableIterator<{
      id: number;
      t: number;
    }>) {
      const s = byId(r.id);
      if (s === undefined) continue;
      s.m1MaxT = r.t;
    }
  }

  /** Records the 1m rollup of head samples [0, k) of `s` (being sealed) and folds it into the series' pending hours. */
  add(s: MemSeries, k: number): void {
    const pending = this.pendingHours(s);
    const b = this.buf;
    const hasInc = bucketsFromSamples(b, s.ts, s.vs, k, M1, s.lastSealedV);
    // A chunk of nothing but staleness markers has no buckets.
    if (b.n === 0) return;
    this.stmt.insert1m.run(s.id, b.end[0]!, b.end[b.n - 1]!, encodeBuckets(b, hasInc));
    s.m1MaxT = b.end[b.n - 1]!;
    for (let i = 0; i < b.n; i++) mergeHour(pending, b, i, b.scale);
    const complete = Math.floor(s.ts[k - 1]! / H1) * H1;
    let c = 0;
    while (c < pending.b.n && pending.b.end[c]! <= complete) c++;
    if (c >= H1_BLOB_HOURS) this.writeHours(s, pending, c, complete);
  }

  /**
   * The hours of `s` not yet written as a 1h blob. Kept in memory; after a restart they are rebuilt
   * once from the 1m blobs, which hold everything sealed.
   */
  private pendingHours(s: MemSeries): PendingHours {
    let p = this.pending.get(s.id);
    if (p !== undefined) return p;
    p = { b: new Buckets(8), prevLast: undefined, scale: [], fresh: !Number.isFinite(s.h1MaxT) };
    this.pending.set(s.id, p);
    if (s.m1MaxT === Number.NEGATIVE_INFINITY) return p;
    const src = this.read;
    src.reset(64);
    const from = Number.isFinite(s.h1MaxT) ? s.h1MaxT : Number.NEGATIVE_INFINITY;
    for (const blob of this.stmt.in1m.iterate(s.id, Math.max(0, from - H1), Number.MAX_SAFE_INTEGER) as IterableIterator<Buffer>) {
      decodeBuckets(blob, src);
    }
    for (let i = 0; i < src.n; i++) {
      if (src.end[i]! <= from) p.prevLast = src.last[i]!;
      else mergeHour(p, src, i, decimalScale(src.sum, i, i + 1));
    }
    if (src.noPrev && p.fresh) p.b.noPrev = true;
    return p;
  }

  /** Writes the first `c` pending hours (all complete) as one 1h blob and drops them from memory. */
  private writeHours(s: MemSeries, p: PendingHours, c: number, complete: number): void {
    const b = p.b;
    const out = this.hours;
    out.reset(c);
    for (const key of ['end', 'min', 'max', 'sum', 'count', 'last', 'inc'] as const) out[key].set(b[key].subarray(0, c));
    out.n = c;
    out.noPrev = b.noPrev;
    for (let i = 0; i < c; i++) {
      const k = p.scale[i]!;
      const q = 10 ** k;
      if (k >= 0 && Math.abs(out.sum[i]!) * q < 2 ** 52) out.sum[i] = Math.round(out.sum[i]! * q) / q;
    }
    this.stmt.insert1h.run(s.id, out.end[0]!, out.end[c - 1]!, encodeBuckets(out, true));
    this.stmt.setH1.run(complete, s.id);
    s.h1MaxT = complete;
    for (const key of ['end', 'min', 'max', 'sum', 'count', 'last', 'inc'] as const) b[key].copyWithin(0, c, b.n);
    b.n -= c;
    b.noPrev = false;
    p.scale.splice(0, c);
  }

  /**
   * The resolution to read for a query: 1h when its buckets tile the query's; 1m when they do and the
   * step is at least 2 minutes or the range starts before the raw retention (at a 10 s interval, a
   * 1-minute step reads about as much from raw chunks as from 1m rollups, a 2-minute one a third); otherwise raw.
   */
  resolutionFor(q: StepQuery, rawRetainedFrom: number): Resolution | undefined {
    const aligned = (res: number) => q.step % res === 0 && q.start % res === 0;
    if (aligned(H1)) return H1;
    if (aligned(M1) && (q.step >= 2 * M1 || q.start - q.step < rawRetainedFrom)) return M1;
    return undefined;
  }

  /** Step aggregation from 1h blobs (where written), then 1m blobs, then raw head samples. */
  aggregate(s: MemSeries, res: Resolution, q: StepQuery): { timestamps: number[]; values: number[] } {
    const from = q.start - q.step - res;
    const acc = new StepAccumulator(q);
    const want = COLUMNS_FOR[q.agg];
    const src = this.read;
    let covered = Number.NEGATIVE_INFINITY;
    let firstEver = true;
    if (res === H1 && Number.isFinite(s.h1MaxT) && s.h1MaxT >= from) {
      src.reset(64);
      for (const blob of this.stmt.in1h.all(s.id, from, Math.min(q.end, s.h1MaxT)) as Buffer[]) decodeBuckets(blob, src, want);
      for (let i = 0; i < src.n; i++) {
        acc.add(src.end[i]!, src.min[i]!, src.max[i]!, src.sum[i]!, src.count[i]!, src.last[i]!, src.inc[i]!, i === 0 && src.noPrev);
      }
      firstEver = false;
      covered = s.h1MaxT;
    }
    if (s.m1MaxT >= from) {
      src.reset(64);
      const lo = Math.max(from, covered + 1);
      for (const blob of this.stmt.in1m.all(s.id, lo, q.end) as Buffer[]) decodeBuckets(blob, src, want);
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

  /**
   * One compaction step: merges the per-chunk 1m blobs of closed 6-hour windows into one blob per
   * window, for up to `budget` windows, so long queries fetch and check a few rows instead of one per
   * chunk. Returns the number of windows merged (0 when there is nothing to do).
   */
  compactStep(series: readonly MemSeries[], budget: number): number {
    let done = 0;
    // Index probes are cheap but not free: bound them too, so one step stays short.
    let probes = 0;
    for (let visited = 0; visited < series.length && done < budget && probes < budget * 40; visited++) {
      if (this.compactCursor >= series.length) this.compactCursor = 0;
      const s = series[this.compactCursor]!;
      let from = this.compacted.get(s.id) ?? Number.NEGATIVE_INFINITY;
      const closed = Math.floor(s.m1MaxT / COMPACT_WINDOW) * COMPACT_WINDOW;
      while (done < budget && probes++ < budget * 40) {
        const rows = this.stmt.next1m.all(s.id, Math.max(0, from + 1)) as { min_t: number; max_t: number }[];
        const first = rows[0];
        if (first === undefined) break;
        const w = Math.ceil(first.max_t / COMPACT_WINDOW) * COMPACT_WINDOW;
        if (w > closed) break;
        const second = rows[1];
        if (second !== undefined && second.max_t <= w) {
          this.mergeWindow(s, w - COMPACT_WINDOW, w);
          done++;
        }
        from = w;
      }
      this.compacted.set(s.id, from);
      if (done < budget) this.compactCursor++;
    }
    return done;
  }

  /**
   * Replaces the 1m blobs whose bucket ends fall in (from, to] by one blob; returns false (and
   * changes nothing) in the rare case it cannot merge exactly.
   */
  private mergeWindow(s: MemSeries, from: number, to: number): boolean {
    const rows = this.stmt.window1m.all(s.id, from + 1, to) as { id: number; data: Buffer }[];
    const src = this.read;
    src.reset(64);
    for (const r of rows) decodeBuckets(r.data, src);
    const out = this.hours;
    out.reset(src.n);
    out.noPrev = src.noPrev;
    let hasInc = false;
    let j = -1;
    for (let i = 0; i < src.n; i++) {
      const e = src.end[i]!;
      // Buckets split between two chunks come as consecutive partials with the same end.
      if (j >= 0 && out.end[j] === e) {
        let a = out.inc[j]!;
        let b = src.inc[i]!;
        if (Number.isNaN(a) !== Number.isNaN(b)) {
          // One partial stored its increase and the other did not: derive the missing one from its predecessor.
          if (Number.isNaN(b)) b = counterIncrease(out.last[j]!, src.last[i]!);
          else if (j > 0) a = counterIncrease(out.last[j - 1]!, out.last[j]!);
          else return false;
        }
        if (src.min[i]! < out.min[j]!) out.min[j] = src.min[i]!;
        if (src.max[i]! > out.max[j]!) out.max[j] = src.max[i]!;
        out.sum[j] = addDecimal(out.sum[j]!, src.sum[i]!);
        out.count[j]! += src.count[i]!;
        out.inc[j] = a + b;
        out.last[j] = src.last[i]!;
      } else {
        j++;
        out.end[j] = e;
        out.min[j] = src.min[i]!;
        out.max[j] = src.max[i]!;
        out.sum[j] = src.sum[i]!;
        out.count[j] = src.count[i]!;
        out.last[j] = src.last[i]!;
        out.inc[j] = src.inc[i]!;
      }
      if (!Number.isNaN(out.inc[j]!)) hasInc = true;
    }
    out.n = j + 1;
    const blob = encodeBuckets(out, hasInc);
    this.db.transaction(() => {
      for (const r of rows) this.stmt.delete1m.run(r.id);
      this.stmt.insert1m.run(s.id, out.end[0]!, out.end[out.n - 1]!, blob);
    })();
    return true;
  }

  /** One retention step over each rollup table: deletes expired blobs among the next few hundred rows. */
  retentionStep(cut1m: number, cut1h: number): { m1: number; h1: number } {
    return { m1: this.expiry.m1.step(cut1m), h1: this.expiry.h1.step(cut1h) };
  }
}
