import type Database from 'better-sqlite3';
import { encodeBlock, forEachBlockChunk } from './block.js';
import { decodeChunk } from './chunk.js';
import { lowerBound } from './head.js';
import { RowExpiry } from './row-expiry.js';

/** Span of the windows whose chunks compaction gathers into one block row. */
export const BLOCK_WINDOW_MS = 2 * 3_600_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chunks (
  series_id INTEGER NOT NULL,
  min_t INTEGER NOT NULL,
  max_t INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_series ON chunks (series_id, max_t);
CREATE TABLE IF NOT EXISTS blocks (
  series_id INTEGER NOT NULL,
  min_t INTEGER NOT NULL,
  max_t INTEGER NOT NULL,
  chunks INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_by_series ON blocks (series_id, max_t);
`;

/** What compaction needs to know of a series: its id and its newest sealed sample. */
export interface CompactableSeries {
  id: number;
  sealedMaxT: number;
}

/**
 * Where sealed raw chunks live in SQLite. A chunk is first written as its own row in `chunks` (one
 * insert per seal, inside the sealing transaction); once the 6-hour window holding its newest sample is
 * closed for its series, compaction moves the window's chunks into one `blocks` row, atomically. Rows
 * of `chunks` are few and short-lived, so their pages are reused; `blocks` only grows at its end, so its
 * pages stay full. For every series, all its blocks are older than all its remaining chunk rows.
 */
export class ChunkStore {
  private readonly stmt: {
    insert: Database.Statement;
    chunksIn: Database.Statement;
    blocksIn: Database.Statement;
    chunkAt: Database.Statement;
    blockAt: Database.Statement;
    lastChunk: Database.Statement;
    lastBlock: Database.Statement;
    firstChunk: Database.Statement;
    window: Database.Statement;
    deleteChunk: Database.Statement;
    insertBlock: Database.Statement;
  };
  private chunkCount = 0;
  private compactCursor = 0;
  /** sealedMaxT of each series when compaction last found nothing of it to move. */
  private readonly idleAt = new Map<number, number>();
  private readonly expiry: { chunks: RowExpiry; blocks: RowExpiry };

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.expiry = { chunks: new RowExpiry(db, 'chunks'), blocks: new RowExpiry(db, 'blocks', 'chunks') };
    this.stmt = {
      insert: db.prepare('INSERT INTO chunks (series_id, min_t, max_t, data) VALUES (?, ?, ?, ?)'),
      chunksIn: db.prepare('SELECT data FROM chunks WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY max_t').pluck(),
      blocksIn: db.prepare('SELECT data FROM blocks WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY max_t').pluck(),
      chunkAt: db.prepare('SELECT data FROM chunks WHERE series_id = ? AND max_t >= ? AND min_t <= ? LIMIT 1').pluck(),
      blockAt: db.prepare('SELECT data FROM blocks WHERE series_id = ? AND max_t >= ? AND min_t <= ? LIMIT 1').pluck(),
      lastChunk: db.prepare('SELECT data FROM chunks WHERE series_id = ? AND min_t <= ? ORDER BY max_t DESC LIMIT 1').pluck(),
      lastBlock: db.prepare('SELECT data FROM blocks WHERE series_id = ? AND min_t <= ? ORDER BY max_t DESC LIMIT 1').pluck(),
      firstChunk: db.prepare('SELECT max_t FROM chunks WHERE series_id = ? ORDER BY max_t LIMIT 1').pluck(),
      window: db.prepare('SELECT rowid AS id, min_t, max_t, data FROM chunks WHERE series_id = ? AND max_t <= ? ORDER BY max_t'),
      deleteChunk: db.prepare('DELETE FROM chunks WHERE rowid = ?'),
      insertBlock: db.prepare('INSERT INTO blocks (series_id, min_t, max_t, chunks, data) VALUES (?, ?, ?, ?, ?)'),
    };
    this.chunkCount =
      (db.prepare('SELECT count(*) FROM chunks').pluck().get() as number) +
      ((db.prepare('SELECT coalesce(sum(chunks), 0) FROM blocks').pluck().get() as number) ?? 0);
  }

  /** Number of sealed chunks, in rows of their own or in blocks. */
  get count(): number {
    return this.chunkCount;
  }

  /** Each series' newest sealed sample time. */
  newestPerSeries(): Map<number, number> {
    const out = new Map<number, number>();
    for (const table of ['blocks', 'chunks']) {
      const rows = this.db
        .prepare(`SELECT series_id AS id, max(max_t) AS t FROM ${table} GROUP BY series_id`)
        .iterate() as IterableIterator<{
        id: number;
        t: number;
      }>;
      for (const r of rows) out.set(r.id, Math.max(out.get(r.id) ?? Number.NEGATIVE_INFINITY, r.t));
    }
    return out;
  }

  /** Stores a sealed chunk (call inside the sealing transaction). */
  insert(seriesId: number, minT: number, maxT: number, blob: Buffer): void {
    this.stmt.insert.run(seriesId, minT, maxT, blob);
    this.chunkCount++;
  }

  /** Visits, in time order, every chunk of a series that may hold samples in [start, end]. */
  forEach(seriesId: number, start: number, end: number, visit: (chunk: Uint8Array) => void): void {
    for (const block of this.stmt.blocksIn.iterate(seriesId, start, end) as IterableIterator<Buffer>) {
      forEachBlockChunk(block, start, end, visit);
    }
    for (const chunk of this.stmt.chunksIn.iterate(seriesId, start, end) as IterableIterator<Buffer>) visit(chunk);
  }

  /** The chunk whose time range may hold `t`, if any. */
  at(seriesId: number, t: number): Uint8Array | undefined {
    const chunk = this.stmt.chunkAt.get(seriesId, t, t) as Buffer | undefined;
    if (chunk !== undefined) return chunk;
    const block = this.stmt.blockAt.get(seriesId, t, t) as Buffer | undefined;
    if (block === undefined) return undefined;
    let found: Uint8Array | undefined;
    forEachBlockChunk(block, t, t, (c) => {
      found ??= c;
    });
    return found;
  }

  /** The newest sample at or before `t`, if any. */
  lastAtOrBefore(seriesId: number, t: number): { t: number; v: number } | undefined {
    const chunk = this.stmt.lastChunk.get(seriesId, t) as Buffer | undefined;
    if (chunk !== undefined) return lastSample(chunk, t);
    const block = this.stmt.lastBlock.get(seriesId, t) as Buffer | undefined;
    if (block === undefined) return undefined;
    // The last chunk visited may start after t (t in a gap): then the answer is in the one before.
    let prev: Uint8Array | undefined;
    let last: Uint8Array | undefined;
    forEachBlockChunk(block, Number.NEGATIVE_INFINITY, t, (c) => {
      prev = last;
      last = c;
    });
    return (last && lastSample(last, t)) ?? (prev && lastSample(prev, t));
  }

  /**
   * Moves the chunks of closed windows into blocks, for up to `budget` windows; returns how many it
   * moved (0 when there is nothing to do). A window is closed for a series once a chunk newer than it
   * is sealed: later chunks can only be newer still.
   */
  compactStep(series: readonly CompactableSeries[], budget: number): number {
    let done = 0;
    for (let visited = 0; visited < series.length && done < budget; visited++) {
      if (this.compactCursor >= series.length) this.compactCursor = 0;
      const s = series[this.compactCursor]!;
      // Nothing new can be closed until the series seals something newer: skip it without asking SQLite
      // (one query per series per step made maintenance cost 2 µs per series every second).
      if (s.sealedMaxT === Number.NEGATIVE_INFINITY || this.idleAt.get(s.id) === s.sealedMaxT) {
        this.compactCursor++;
        continue;
      }
      let idle = false;
      while (done < budget) {
        const first = this.stmt.firstChunk.get(s.id) as number | undefined;
        const w = first === undefined ? Number.POSITIVE_INFINITY : Math.ceil(first / BLOCK_WINDOW_MS) * BLOCK_WINDOW_MS;
        if (s.sealedMaxT <= w) {
          idle = true;
          break;
        }
        this.moveWindow(s.id, w);
        done++;
      }
      if (idle) this.idleAt.set(s.id, s.sealedMaxT);
      if (done < budget) this.compactCursor++;
    }
    return done;
  }

  private moveWindow(seriesId: number, windowEnd: number): void {
    const rows = this.stmt.window.all(seriesId, windowEnd) as { id: number; min_t: number; max_t: number; data: Buffer }[];
    if (rows.length === 0) return;
    const block = encodeBlock(rows.map((r) => ({ data: r.data, maxT: r.max_t })));
    this.db.transaction(() => {
      for (const r of rows) this.stmt.deleteChunk.run(r.id);
      this.stmt.insertBlock.run(seriesId, rows[0]!.min_t, rows[rows.length - 1]!.max_t, rows.length, block);
    })();
  }

  /** One retention step: deletes expired rows among the next few hundred of each table; returns the chunks deleted. */
  retentionStep(cut: number): number {
    const deleted = this.expiry.chunks.step(cut) + this.expiry.blocks.step(cut);
    this.chunkCount -= deleted;
    return deleted;
  }
}

/** The newest sample of a chunk at or before `t`, if any. */
function lastSample(chunk: Uint8Array, t: number): { t: number; v: number } | undefined {
  const c = decodeChunk(chunk);
  const j = lowerBound(c.timestamps, c.timestamps.length, t === Number.POSITIVE_INFINITY ? t : t + 1) - 1;
  return j >= 0 ? { t: c.timestamps[j]!, v: c.values[j]! } : undefined;
}
