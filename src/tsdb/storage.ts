import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import client, { type Counter, type Registry } from 'prom-client';
import {
  type AppendResult,
  type Clock,
  doubleArray,
  isNormalizedLabels,
  isStaleNaN,
  type LabelMatcher,
  type Labels,
  type Logger,
  normalizeLabels,
  type Rejection,
  type SeriesSamples,
  silentLogger,
  systemClock,
  VigilError,
} from '../core/index.js';
import { StepAccumulator } from './aggregate.js';
import { type DecodedChunk, decodeChunk, decodeChunkInto, encodeChunk } from './chunk.js';
import { ChunkStore } from './chunk-store.js';
import { dropFront, insertSample, lowerBound, type MemSeries, newSeries, pushSample, reserveHead, sameValue } from './head.js';
import type { LatestSample, SeriesData, SeriesRef, StepQuery, Storage, StorageStats } from './interface.js';
import { LabelIndex } from './label-index.js';
import { Rollups } from './rollup.js';
import { listSegments, replaySegment, segmentPath, WalBuffer, WalWriter } from './wal.js';

/** Retention per resolution, in milliseconds. */
export interface RetentionOptions {
  raw: number;
  '1m': number;
  '1h': number;
}

/** Options of the embedded store. */
export interface StorageOptions {
  /** Directory holding `vigil.db` (SQLite) and `wal/`; created when missing. */
  dir: string;
  logger?: Logger;
  /** Where the store's own metrics are registered; none when omitted. */
  registry?: Registry;
  /** How far behind a series' newest sample a sample may arrive and still be stored (default 10 min; 0 = in order only). */
  outOfOrderWindowMs?: number;
  /** Retention per resolution (defaults: raw 15 d, 1m 90 d, 1h 730 d). */
  retention?: Partial<RetentionOptions>;
  clock?: Clock;
  /** Call fdatasync on the WAL before acknowledging each group commit (default false: data reaches the OS, safe against kill -9). */
  syncOnCommit?: boolean;
  /** fdatasync the WAL this often in the background, bounding what a power loss can take (default 1000 ms; 0 = never). */
  syncIntervalMs?: number;
  /** WAL size that triggers a checkpoint (default 64 MiB). */
  walCheckpointBytes?: number;
  /** Heads snapshotted per turn of the event loop in a checkpoint triggered by ingest (default 5,000). */
  checkpointSliceSeries?: number;
  /** Pause between two maintenance steps: retention and merging of 1m rollups (default 1000 ms). */
  retentionIntervalMs?: number;
}

/** Samples per sealed chunk. */
export const CHUNK_SAMPLES = 120;
/** Heads snapshotted per turn of the event loop in a checkpoint triggered by ingest (about 15 ms of encoding). */
const SNAPSHOT_SLICE = 5000;

/** Catalogue rows written per turn of the event loop when new series arrive (about 1.5 ms of SQLite). */
const SAVE_BATCH = 1000;

/** Longest time one chunk spans. */
export const CHUNK_SPAN_MS = 2 * 3_600_000;

const DEFAULT_RETENTION: RetentionOptions = { raw: 15 * 86_400_000, '1m': 90 * 86_400_000, '1h': 730 * 86_400_000 };

// No unique index on (tenant, labels): the in-memory catalogue is the only place series are looked up by labels
// and it already keeps them unique; the index doubled the cost of creating a series (ADR 0002). Stores created
// before keep theirs.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  labels TEXT NOT NULL,
  min_t INTEGER,
  h1_max_t INTEGER
);
`;

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface Metrics {
  appended: Counter;
  rejected: Counter<'reason'>;
  sealed: Counter;
  walBytes: Counter;
  errors: Counter<'task'>;
  retentionDeleted: Counter<'resolution'>;
}

function makeMetrics(registry: Registry | undefined): Metrics | undefined {
  if (registry === undefined) return undefined;
  const registers = [registry];
  const existing = registry.getSingleMetric('vigil_tsdb_samples_appended_total');
  // A store reopened in the same process (tests, restarts of the component) keeps counting into the same metrics.
  if (existing !== undefined) {
    const get = <T>(name: string) => registry.getSingleMetric(name) as T;
    return {
      appended: existing as Counter,
      rejected: get('vigil_tsdb_samples_rejected_total'),
      sealed: get('vigil_tsdb_chunks_sealed_total'),
      walBytes: get('vigil_tsdb_wal_bytes_total'),
      errors: get('vigil_tsdb_background_errors_total'),
      retentionDeleted: get('vigil_tsdb_retention_deleted_total'),
    };
  }
  return {
    appended: new client.Counter({ name: 'vigil_tsdb_samples_appended_total', help: 'Samples stored by the embedded store.', registers }),
    rejected: new client.Counter({
      name: 'vigil_tsdb_samples_rejected_total',
      help: 'Samples refused by the embedded store, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    sealed: new client.Counter({ name: 'vigil_tsdb_chunks_sealed_total', help: 'Chunks sealed into SQLite.', registers }),
    walBytes: new client.Counter({ name: 'vigil_tsdb_wal_bytes_total', help: 'Bytes written to the write-ahead log.', registers }),
    errors: new client.Counter({
      name: 'vigil_tsdb_background_errors_total',
      help: 'Errors of background tasks (retention, sync, checkpoint).',
      labelNames: ['task'],
      registers,
    }),
    retentionDeleted: new client.Counter({
      name: 'vigil_tsdb_retention_deleted_total',
      help: 'Rows removed by retention, by resolution.',
      labelNames: ['resolution'],
      registers,
    }),
  };
}

/**
 * Canonical identity of a series inside the store: tenant plus its labels as JSON, sorted and without empty
 * values (the same text the catalogue stores). Fast when the labels already come sorted (the ingest pipeline
 * normalises them); sorts otherwise. JSON.stringify is one native call where building the key pair by pair was
 * the largest part of creating a series.
 */
function identity(tenant: string, labels: Labels): { key: string; json: string; normalized: Labels | undefined } {
  const normalized = isNormalizedLabels(labels) ? undefined : normalizeLabels(labels);
  const json = JSON.stringify(normalized ?? labels);
  return { key: `${tenant}\u0000${json}`, json, normalized };
}

/** Adds the head of `s`, if it holds samples, to a WAL buffer as a snapshot entry. */
function snapshotHead(buf: WalBuffer, s: MemSeries): void {
  if (s.n > 0) buf.addSnapshot(s.id, encodeChunk(s.ts, s.vs, 0, s.n));
}

/** True when `t` is a valid timestamp newer than `maxT`: a sample that is simply pushed onto its head. */
function appendable(t: number, maxT: number): boolean {
  return t > maxT && t >= 0 && t <= Number.MAX_SAFE_INTEGER && Number.isInteger(t);
}

/** Opens (creating when needed) the embedded store in `opts.dir`, replaying the WAL left by a crash. */
export async function openStorage(opts: StorageOptions): Promise<Storage> {
  return EmbeddedStorage.open(opts);
}

/** The embedded store: SQLite catalogue and chunks, in-memory heads, a write-ahead log for acknowledged samples. */
export class EmbeddedStorage implements Storage {
  private readonly db: Database.Database;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly window: number;
  private readonly retention: RetentionOptions;
  private readonly metrics: Metrics | undefined;
  private readonly syncOnCommit: boolean;
  private readonly walCheckpointBytes: number;
  private readonly checkpointSlice: number;
  private readonly bySeriesKey = new Map<string, MemSeries>();
  private readonly byId = new Map<number, MemSeries>();
  /** Series of label objects that cannot change (frozen by ingest's caches), so their key is built once. */
  private readonly byFrozenLabels = new WeakMap<Labels, MemSeries>();
  private readonly tenants = new Map<string, LabelIndex>();
  private readonly rollups: Rollups;
  private wal!: WalWriter;
  private walBuf = new WalBuffer();
  private waiters: Waiter[] = [];
  private flushing = false;
  private flushScheduled = false;
  private closed = false;
  private nextId = 1;
  private readonly timers: NodeJS.Timeout[] = [];
  private toSeal: MemSeries[] = [];
  /** Series created and in the WAL, whose catalogue row is not written yet (see saveSeries). */
  private readonly unsaved: MemSeries[] = [];
  private saveScheduled = false;
  /** The gradual checkpoint under way, if any (see startGradualCheckpoint). */
  private checkpointRun: Promise<void> | undefined;
  private readonly stmt: {
    insertSeries: Database.Statement;
    setMinT: Database.Statement;
  };
  private readonly chunks: ChunkStore;
  private readonly sealTx: () => void;
  private seriesArray: MemSeries[] = [];
  private readonly scratch: DecodedChunk = { timestamps: new Float64Array(256), values: new Float64Array(256) };

  private constructor(
    private readonly dir: string,
    opts: StorageOptions,
  ) {
    this.log = opts.logger ?? silentLogger();
    this.clock = opts.clock ?? systemClock;
    this.window = opts.outOfOrderWindowMs ?? 10 * 60_000;
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
    this.metrics = makeMetrics(opts.registry);
    this.syncOnCommit = opts.syncOnCommit ?? false;
    this.walCheckpointBytes = opts.walCheckpointBytes ?? 64 * 1024 * 1024;
    this.checkpointSlice = Math.max(1, opts.checkpointSliceSeries ?? SNAPSHOT_SLICE);
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, 'vigil.db'));
    // Both only take effect on a new file. Auto-vacuum lets maintenance hand pages freed by retention and
    // merging back to the OS; 16 KiB pages hold several multi-kilobyte blocks each instead of one per page.
    this.db.pragma('page_size = 16384');
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.rollups = new Rollups(this.db);
    this.stmt = {
      insertSeries: this.db.prepare('INSERT INTO series (id, tenant, labels) VALUES (?, ?, ?)'),
      setMinT: this.db.prepare('UPDATE series SET min_t = ? WHERE id = ? AND min_t IS NULL'),
    };
    this.chunks = new ChunkStore(this.db);
    this.sealTx = this.db.transaction(() => {
      this.saveSeries();
      for (const s of this.toSeal) this.sealReady(s);
    });
    const intervalMs = opts.syncIntervalMs ?? 1000;
    if (intervalMs > 0) {
      const syncFailed = (e: Error) => {
        this.log.error({ err: e }, 'WAL sync failed');
        this.metrics?.errors.inc({ task: 'sync' });
      };
      this.timers.push(setInterval(() => this.background('sync', () => this.wal.syncInBackground(syncFailed)), intervalMs).unref());
    }
    const retentionMs = opts.retentionIntervalMs ?? 1000;
    this.timers.push(setInterval(() => this.background('maintenance', () => this.maintenanceStep()), retentionMs).unref());
  }

  /** Opens the store: loads the catalogue, replays the WAL, seals what is due, checkpoints. */
  static async open(opts: StorageOptions): Promise<EmbeddedStorage> {
    const store = new EmbeddedStorage(opts.dir, opts);
    try {
      store.load();
    } catch (e) {
      store.closeNow();
      throw e;
    }
    return store;
  }

  private load(): void {
    const rows = this.db.prepare('SELECT id, tenant, labels, min_t, h1_max_t FROM series').all() as {
      id: number;
      tenant: string;
      labels: string;
      min_t: number | null;
      h1_max_t: number | null;
    }[];
    for (const r of rows) {
      const labels = JSON.parse(r.labels) as Labels;
      const s = newSeries(r.id, r.tenant, labels, r.labels);
      if (r.min_t !== null) s.minT = r.min_t;
      if (r.h1_max_t !== null) s.h1MaxT = r.h1_max_t;
      this.register(s, identity(r.tenant, labels).key);
      if (r.id >= this.nextId) this.nextId = r.id + 1;
    }
    // Newest sealed time per series, read from the chunk index rather than kept up to date on every seal.
    for (const [id, t] of this.chunks.newestPerSeries()) {
      const s = this.byId.get(id);
      if (s === undefined) continue;
      s.sealedMaxT = t;
      s.maxT = Math.max(s.maxT, t);
    }
    this.rollups.load((id) => this.byId.get(id));
    const walDir = join(this.dir, 'wal');
    mkdirSync(walDir, { recursive: true });
    const segments = listSegments(walDir);
    for (const n of segments) {
      const { records, torn } = replaySegment(segmentPath(walDir, n), {
        samples: (id, view, off, count) => {
          const s = this.byId.get(id);
          if (s === undefined) throw new VigilError('STORAGE_CORRUPT', `WAL refers to unknown series ${id}`);
          for (let i = 0; i < count; i++) {
            const t = view.getFloat64(off + i * 16, true);
            if (t <= s.sealedMaxT) continue;
            insertSample(s, t, view.getFloat64(off + i * 16 + 8, true));
          }
        },
        series: (id, tenant, json) => {
          if (this.byId.has(id)) return;
          const labels = JSON.parse(json) as Labels;
          const s = newSeries(id, tenant, labels, json);
          this.register(s, identity(tenant, labels).key);
          this.unsaved.push(s);
          if (id >= this.nextId) this.nextId = id + 1;
        },
        snapshot: (id, blob) => {
          const s = this.byId.get(id);
          if (s === undefined) throw new VigilError('STORAGE_CORRUPT', `WAL refers to unknown series ${id}`);
          const c = decodeChunk(blob);
          for (let i = 0; i < c.timestamps.length; i++) {
            const t = c.timestamps[i]!;
            if (t > s.sealedMaxT) insertSample(s, t, c.values[i]!);
          }
        },
      });
      if (torn) this.log.warn({ segment: n, records }, 'WAL segment ends with an incomplete record (an unacknowledged write); ignored');
    }
    this.wal = new WalWriter(walDir, segments.length > 0 ? segments[segments.length - 1]! : 0);
    this.toSeal = [];
    for (const s of this.byId.values()) if (s.n > 0) this.toSeal.push(s);
    this.sealTx();
    this.toSeal = [];
    this.checkpoint();
  }

  private register(s: MemSeries, key: string): void {
    this.bySeriesKey.set(key, s);
    this.byId.set(s.id, s);
    let idx = this.tenants.get(s.tenant);
    if (idx === undefined) {
      idx = new LabelIndex();
      this.tenants.set(s.tenant, idx);
    }
    idx.add(s);
  }

  private check(): void {
    if (this.closed) throw new VigilError('STORAGE_CLOSED');
  }

  /** Appends a batch; resolves after the accepted samples reached the OS through the WAL (see Appender). */
  async append(tenant: string, batch: readonly SeriesSamples[]): Promise<AppendResult> {
    this.check();
    const rejected: Rejection[] = [];
    let accepted = 0;
    let stored = 0;
    const wb = this.walBuf;
    for (let si = 0; si < batch.length; si++) {
      const input = batch[si]!;
      const ts = input.timestamps;
      const vs = input.values;
      const len = ts.length;
      if (len === 0) continue;
      if (vs.length !== len) {
        for (let j = 0; j < len; j++)
          rejected.push({ series: si, sample: j, reason: 'bad_value', detail: 'timestamps and values differ in length' });
        continue;
      }
      // Ingest hands the same frozen label object for a series request after request: skip building its key.
      const frozen = Object.isFrozen(input.labels);
      let s = frozen ? this.byFrozenLabels.get(input.labels) : undefined;
      if (s === undefined || s.tenant !== tenant) {
        const { key, json, normalized } = identity(tenant, input.labels);
        s = this.bySeriesKey.get(key);
        if (s === undefined) {
          // A frozen label set cannot change under the store: keep it rather than a copy.
          const labels = normalized ?? (frozen ? input.labels : { ...input.labels });
          s = newSeries(this.nextId++, tenant, labels, json);
          this.register(s, key);
          // The WAL carries the new series with its samples; the catalogue row is written later, in a batch.
          wb.addSeries(s.id, tenant, json);
          this.unsaved.push(s);
          this.scheduleSave();
        }
        if (frozen) this.byFrozenLabels.set(input.labels, s);
      }
      const entry = wb.beginSamples(s.id, len);
      // The common case first: samples newer than the series' newest, in order, written straight into the head
      // and the WAL entry (room for all of them made once), until one is not; the rest take the general path.
      if (s.n + len > s.ts.length) reserveHead(s, s.n + len);
      const hts = s.ts;
      const hvs = s.vs;
      const view = wb.view;
      let hn = s.n;
      let maxT = s.maxT;
      let pos = wb.pos;
      let j = 0;
      for (; j < len; j++) {
        const t = ts[j]!;
        if (!appendable(t, maxT)) break;
        const v = vs[j]!;
        hts[hn] = t;
        hvs[hn] = v;
        hn++;
        maxT = t;
        view.setFloat64(pos, t, true);
        view.setFloat64(pos + 8, v, true);
        pos += 16;
      }
      if (j > 0) {
        const first = ts[0]!;
        if (first < s.minT) s.minT = first;
        s.n = hn;
        s.maxT = maxT;
        wb.pos = pos;
      }
      let n = j;
      for (; j < len; j++) {
        const t = ts[j]!;
        const v = vs[j]!;
        if (appendable(t, s.maxT)) {
          pushSample(s, t, v);
          wb.sample(t, v);
          n++;
          continue;
        }
        const reason = this.slowPath(s, t, v);
        if (reason === 'stored') {
          wb.sample(t, v);
          n++;
        } else if (reason === 'duplicate') accepted++;
        else rejected.push({ series: si, sample: j, reason });
      }
      wb.endSamples(entry, n);
      stored += n;
      if (n > 0 && (s.n >= CHUNK_SAMPLES || s.maxT - s.ts[0]! >= CHUNK_SPAN_MS)) this.toSeal.push(s);
    }
    accepted += stored;
    if (this.toSeal.length > 0) {
      try {
        this.sealTx();
      } finally {
        this.toSeal = [];
      }
    }
    if (this.metrics) {
      this.metrics.appended.inc(stored);
      for (const r of rejected) this.metrics.rejected.inc({ reason: r.reason });
    }
    await this.commit();
    return { accepted, rejected };
  }

  /**
   * Writes the catalogue rows of series created since the last call (all of them, or the first `max`), in one
   * transaction. Called in full before anything that updates or relies on those rows (sealing, rollups) and before
   * a checkpoint deletes the WAL segments that hold them; until then the WAL is their durable record.
   */
  private saveSeries(max = Number.POSITIVE_INFINITY): void {
    if (this.unsaved.length === 0) return;
    const list = this.unsaved.splice(0, max);
    this.db.transaction(() => {
      for (const s of list) this.stmt.insertSeries.run(s.id, s.tenant, s.labelsJson);
    })();
  }

  /**
   * Writes new series' rows soon, in batches of SAVE_BATCH with the event loop free in between (a burst of
   * 10,000 new series written at once held the loop for tens of milliseconds).
   */
  private scheduleSave(): void {
    if (this.saveScheduled || this.closed) return;
    this.saveScheduled = true;
    setImmediate(() => {
      this.saveScheduled = false;
      if (this.closed) return;
      this.background('catalogue', () => this.saveSeries(SAVE_BATCH));
      if (this.unsaved.length > 0) this.scheduleSave();
    });
  }

  /** Decides what to do with a sample that is not simply newer than the series' newest one. */
  private slowPath(s: MemSeries, t: number, v: number): 'stored' | 'duplicate' | Rejection['reason'] {
    if (!Number.isSafeInteger(t) || t < 0) return 'bad_timestamp';
    if (t > s.sealedMaxT) {
      const i = lowerBound(s.ts, s.n, t);
      if (i < s.n && s.ts[i] === t) return sameValue(s.vs[i]!, v) ? 'duplicate' : 'duplicate_timestamp';
      if (this.window > 0 && t > s.maxT - this.window) {
        insertSample(s, t, v);
        return 'stored';
      }
      return this.window > 0 ? 'too_old' : 'out_of_order';
    }
    const blob = this.chunks.at(s.id, t);
    if (blob !== undefined) {
      const c = decodeChunk(blob);
      const i = lowerBound(c.timestamps, c.timestamps.length, t);
      if (i < c.timestamps.length && c.timestamps[i] === t) return sameValue(c.values[i]!, v) ? 'duplicate' : 'duplicate_timestamp';
    }
    return this.window > 0 ? 'too_old' : 'out_of_order';
  }

  /** Seals full chunks from the front of a head: samples old enough that the out-of-order window can no longer reach them. */
  private sealReady(s: MemSeries): void {
    const limit = s.maxT - this.window;
    while (s.n > 0) {
      const cut = lowerBound(s.ts, s.n, limit + 1);
      if (cut === 0) return;
      let take = Math.min(cut, CHUNK_SAMPLES);
      const timeEnd = lowerBound(s.ts, s.n, s.ts[0]! + CHUNK_SPAN_MS);
      if (timeEnd < take) take = timeEnd;
      if (take < CHUNK_SAMPLES && take === cut) return;
      this.sealPrefix(s, take);
    }
  }

  private sealPrefix(s: MemSeries, k: number): void {
    const minT = s.ts[0]!;
    const maxT = s.ts[k - 1]!;
    const blob = encodeChunk(s.ts, s.vs, 0, k);
    this.chunks.insert(s.id, minT, maxT, blob);
    if (s.lastSealedV === undefined && s.sealedMaxT > Number.NEGATIVE_INFINITY) {
      const v = this.valueAt(s, s.sealedMaxT);
      s.lastSealedV = v !== undefined && isStaleNaN(v) ? undefined : v;
    }
    this.rollups.add(s, k);
    if (s.sealedMaxT === Number.NEGATIVE_INFINITY) this.stmt.setMinT.run(minT, s.id);
    s.sealedMaxT = maxT;
    // The previous value for counter increases is the last real one: a staleness marker is not a value.
    for (let j = k - 1; j >= 0; j--) {
      if (!isStaleNaN(s.vs[j]!)) {
        s.lastSealedV = s.vs[j]!;
        break;
      }
    }
    this.metrics?.sealed.inc();
    dropFront(s, k);
  }

  private valueAt(s: MemSeries, t: number): number | undefined {
    const blob = this.chunks.at(s.id, t);
    if (blob === undefined) return undefined;
    const c = decodeChunk(blob);
    const i = lowerBound(c.timestamps, c.timestamps.length, t);
    return c.timestamps[i] === t ? c.values[i] : undefined;
  }

  /** Group commit: every append of this turn of the event loop shares one WAL write. */
  private commit(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.flushing && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    this.flushing = true;
    try {
      while (this.waiters.length > 0) {
        const waiters = this.waiters;
        this.waiters = [];
        try {
          if (!this.walBuf.empty) {
            const rec = this.walBuf.take();
            await this.wal.writeAsync(rec);
            this.metrics?.walBytes.inc(rec.length);
            if (this.syncOnCommit) this.wal.sync();
            this.walBuf.recycle(rec);
          }
          for (const w of waiters) w.resolve();
        } catch (e) {
          this.log.error({ err: e }, 'WAL write failed');
          for (const w of waiters) w.reject(new VigilError('INTERNAL', 'write-ahead log write failed', { cause: e }));
        }
        if (this.wal.size > this.walCheckpointBytes && this.checkpointRun === undefined) {
          this.background('checkpoint', () => void this.startGradualCheckpoint());
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Starts a new WAL segment holding a compressed snapshot of every head, makes SQLite durable, then
   * deletes the older segments: everything they held is now either sealed in SQLite or in the snapshot.
   */
  private checkpoint(): void {
    this.saveSeries();
    const old = this.wal.rotate();
    const buf = new WalBuffer();
    for (const s of this.byId.values()) snapshotHead(buf, s);
    if (!buf.empty) this.wal.writeSync(buf.take());
    this.finishCheckpoint(old);
  }

  /** Last step of a checkpoint, once every head is in the new segment: make it and SQLite durable, drop `old`. */
  private finishCheckpoint(old: number[]): void {
    this.wal.sync();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.wal.remove(old);
  }

  /**
   * The checkpoint ingest triggers: like `checkpoint`, but the heads are snapshotted `checkpointSliceSeries` at a time
   * through the group commit, with the event loop free in between (all at once held it for about half a second at
   * 200,000 series). Appends go on meanwhile into the new segment; replay takes a head's samples from the appends and
   * from its snapshot alike (a timestamp already present is skipped), and the older segments are deleted only once
   * every head is snapshotted and SQLite is durable, so a crash at any point finds every acknowledged sample.
   * Runs from the flush loop, between two WAL writes, so the rotation never races a write.
   */
  private startGradualCheckpoint(): Promise<void> {
    if (this.checkpointRun !== undefined) return this.checkpointRun;
    this.saveSeries();
    const old = this.wal.rotate();
    const series = [...this.byId.values()];
    const run = async (): Promise<void> => {
      for (let next = 0; next < series.length; ) {
        // Each slice after the first waits for a turn of the event loop.
        if (next > 0) await new Promise((r) => setImmediate(r));
        // close() runs a full checkpoint of its own, which also removes these segments.
        if (this.closed) return;
        const end = Math.min(series.length, next + this.checkpointSlice);
        for (; next < end; next++) snapshotHead(this.walBuf, series[next] as MemSeries);
        await this.commit();
      }
      if (!this.closed) this.finishCheckpoint(old);
    };
    this.checkpointRun = new Promise<void>((r) => setImmediate(r))
      .then(run)
      .catch((e: unknown) => {
        this.log.error({ err: e }, 'tsdb checkpoint failed; the older WAL segments are kept');
        this.metrics?.errors.inc({ task: 'checkpoint' });
      })
      .finally(() => {
        this.checkpointRun = undefined;
      });
    return this.checkpointRun;
  }

  /**
   * Runs a checkpoint as ingest triggers it (heads snapshotted in slices, the event loop free in between) once no
   * WAL write is under way, and resolves when it is done. For benchmarks and tests.
   */
  async checkpointInSlices(): Promise<void> {
    this.check();
    while (this.flushing || this.flushScheduled) await new Promise((r) => setImmediate(r));
    await this.startGradualCheckpoint();
  }

  private background(task: string, fn: () => void): void {
    if (this.closed) return;
    try {
      fn();
    } catch (e) {
      this.log.error({ err: e, task }, 'tsdb background task failed');
      this.metrics?.errors.inc({ task });
    }
  }

  /**
   * One step of background maintenance: retention, then merging of closed 6-hour windows of 1m
   * rollups and of raw chunks (into blocks). Returns how many windows were merged, so callers (benchmarks) can run it until idle.
   */
  maintenanceStep(compactBudget = 50): number {
    this.check();
    for (const idx of this.tenants.values()) idx.catchUp(5000);
    this.retentionStep();
    const merged = this.rollups.compactStep(this.seriesList(), compactBudget) + this.chunks.compactStep(this.seriesList(), compactBudget);
    if ((this.db.pragma('freelist_count', { simple: true }) as number) > 0) this.db.pragma('incremental_vacuum(512)');
    return merged;
  }

  private seriesList(): MemSeries[] {
    if (this.seriesArray.length !== this.byId.size) this.seriesArray = [...this.byId.values()];
    return this.seriesArray;
  }

  /** One small retention step: deletes expired rows among the next few hundred of each table. */
  private retentionStep(): void {
    const now = this.clock.now();
    const expired = this.chunks.retentionStep(now - this.retention.raw);
    if (expired > 0) this.metrics?.retentionDeleted.inc({ resolution: 'raw' }, expired);
    const deleted = this.rollups.retentionStep(now - this.retention['1m'], now - this.retention['1h']);
    if (this.metrics) {
      this.metrics.retentionDeleted.inc({ resolution: '1m' }, deleted.m1);
      this.metrics.retentionDeleted.inc({ resolution: '1h' }, deleted.h1);
    }
  }

  private selectSeries(tenant: string, matchers: readonly LabelMatcher[]): MemSeries[] {
    const idx = this.tenants.get(tenant);
    return idx === undefined ? [] : idx.select(matchers);
  }

  /** Visits the raw samples of one series in [start, end] in ascending runs (sealed chunks, then the head). */
  private forEachRaw(
    s: MemSeries,
    start: number,
    end: number,
    visit: (ts: Float64Array, vs: Float64Array, from: number, to: number) => void,
  ): void {
    if (start <= s.sealedMaxT) {
      const c = this.scratch;
      this.chunks.forEach(s.id, start, end, (blob) => {
        const n = decodeChunkInto(blob, c);
        const from = c.timestamps[0]! >= start ? 0 : lowerBound(c.timestamps, n, start);
        const to = c.timestamps[n - 1]! <= end ? n : lowerBound(c.timestamps, n, end + 1);
        if (to > from) visit(c.timestamps, c.values, from, to);
      });
    }
    if (s.n > 0) {
      const from = lowerBound(s.ts, s.n, start);
      const to = lowerBound(s.ts, s.n, end + 1);
      if (to > from) visit(s.ts, s.vs, from, to);
    }
  }

  async series(tenant: string, matchers: readonly LabelMatcher[], range?: { start: number; end: number }): Promise<SeriesRef[]> {
    this.check();
    let list = this.selectSeries(tenant, matchers);
    if (range) list = list.filter((s) => s.minT <= range.end && s.maxT >= range.start);
    return list.map((s) => ({ id: s.id, labels: { ...s.labels } }));
  }

  async labelNames(tenant: string, matchers?: readonly LabelMatcher[]): Promise<string[]> {
    this.check();
    const idx = this.tenants.get(tenant);
    if (idx === undefined) return [];
    if (matchers === undefined || matchers.length === 0) return idx.names();
    const names = new Set<string>();
    for (const s of idx.select(matchers)) for (const n in s.labels) names.add(n);
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, matchers?: readonly LabelMatcher[]): Promise<string[]> {
    this.check();
    const idx = this.tenants.get(tenant);
    if (idx === undefined) return [];
    if (matchers === undefined || matchers.length === 0) return idx.values(name);
    const values = new Set<string>();
    for (const s of idx.select(matchers)) {
      const v = s.labels[name];
      if (v !== undefined) values.add(v);
    }
    return [...values].sort();
  }

  async select(tenant: string, matchers: readonly LabelMatcher[], start: number, end: number): Promise<SeriesData[]> {
    this.check();
    const out: SeriesData[] = [];
    for (const s of this.selectSeries(tenant, matchers)) {
      if (s.minT > end || s.maxT < start) continue;
      const timestamps: number[] = [];
      const values = doubleArray();
      this.forEachRaw(s, start, end, (ts, vs, from, to) => {
        for (let i = from; i < to; i++) {
          timestamps.push(ts[i]!);
          values.push(vs[i]!);
        }
      });
      if (timestamps.length > 0) out.push({ labels: { ...s.labels }, timestamps, values });
    }
    return out;
  }

  async selectStep(tenant: string, matchers: readonly LabelMatcher[], q: StepQuery): Promise<SeriesData[]> {
    this.check();
    if (!(q.step > 0) || !(q.end >= q.start)) throw new VigilError('BAD_QUERY', 'step must be > 0 and end ≥ start');
    const out: SeriesData[] = [];
    const res = this.rollups.resolutionFor(q, this.clock.now() - this.retention.raw);
    for (const s of this.selectSeries(tenant, matchers)) {
      const from = q.start - 2 * q.step;
      if (s.minT > q.end || s.maxT < from) continue;
      let r: { timestamps: number[]; values: number[] };
      if (res !== undefined) r = this.rollups.aggregate(s, res, q);
      else {
        const acc = new StepAccumulator(q);
        this.forEachRaw(s, from, q.end, (ts, vs, a, b) => acc.addSamples(ts, vs, a, b));
        acc.flush();
        r = acc;
      }
      if (r.timestamps.length > 0) out.push({ labels: { ...s.labels }, timestamps: r.timestamps, values: r.values });
    }
    return out;
  }

  async latest(tenant: string, matchers: readonly LabelMatcher[], at?: number): Promise<LatestSample[]> {
    this.check();
    const out: LatestSample[] = [];
    const limit = at ?? Number.POSITIVE_INFINITY;
    for (const s of this.selectSeries(tenant, matchers)) {
      const i = lowerBound(s.ts, s.n, limit === Number.POSITIVE_INFINITY ? limit : limit + 1) - 1;
      if (i >= 0) {
        out.push({ labels: { ...s.labels }, t: s.ts[i]!, v: s.vs[i]! });
        continue;
      }
      if (s.sealedMaxT === Number.NEGATIVE_INFINITY || s.minT > limit) continue;
      const last = this.chunks.lastAtOrBefore(s.id, Math.min(limit, Number.MAX_SAFE_INTEGER));
      if (last !== undefined) out.push({ labels: { ...s.labels }, t: last.t, v: last.v });
    }
    return out;
  }

  async stats(): Promise<StorageStats> {
    this.check();
    let headSamples = 0;
    for (const s of this.byId.values()) headSamples += s.n;
    return { series: this.byId.size, headSamples, chunks: this.chunks.count, diskBytes: dirBytes(this.dir) };
  }

  /** Seals every head sample into chunks regardless of the out-of-order window (benchmarks and tests of compression). */
  async sealAll(): Promise<void> {
    this.check();
    this.db.transaction(() => {
      for (const s of this.byId.values()) {
        while (s.n > 0) {
          const timeEnd = lowerBound(s.ts, s.n, s.ts[0]! + CHUNK_SPAN_MS);
          this.sealPrefix(s, Math.min(s.n, CHUNK_SAMPLES, timeEnd));
        }
      }
    })();
    await this.commit();
    this.checkpoint();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing || this.flushScheduled || this.waiters.length > 0) await new Promise((r) => setImmediate(r));
    try {
      this.checkpoint();
    } finally {
      this.closeNow();
    }
  }

  private closeNow(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    try {
      this.wal?.close();
    } finally {
      this.db.close();
    }
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}
