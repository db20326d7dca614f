import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** WAL entry: samples of one series: id, count, then (t, v) float64 pairs. */
export const ENTRY_SAMPLES = 2;
/** A head snapshot of one series written at checkpoint: id, blob length, chunk blob. */
export const ENTRY_SNAPSHOT = 3;
/** A series created since the catalogue was last written: id, byte length, then UTF-8 `tenant NUL labels-JSON`. */
export const ENTRY_SERIES = 4;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

const HEADER = 8;

/**
 * Builds one WAL record payload in a growable buffer; entries are appended by the store while it
 * applies a batch, so samples are copied once, straight from the caller's arrays.
 */
export class WalBuffer {
  bytes: Uint8Array;
  view: DataView;
  /** Write position; the first 8 bytes are reserved for the record header. */
  pos = HEADER;
  /** Buffers of written records, ready for reuse. */
  private readonly spare: Uint8Array[] = [];

  constructor(initial = 1 << 20) {
    this.bytes = new Uint8Array(initial);
    this.view = new DataView(this.bytes.buffer);
  }

  /** True when no entry was added since the last take. */
  get empty(): boolean {
    return this.pos === HEADER;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.pos + n, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  /** Starts a samples entry for series `id` with room for `max` samples; returns the entry start. */
  beginSamples(id: number, max: number): number {
    this.ensure(9 + max * 16);
    const start = this.pos;
    this.view.setUint8(start, ENTRY_SAMPLES);
    this.view.setUint32(start + 1, id, true);
    this.pos += 9;
    return start;
  }

  /** Appends one sample to the open samples entry (room was reserved by beginSamples). */
  sample(t: number, v: number): void {
    const view = this.view;
    view.setFloat64(this.pos, t, true);
    view.setFloat64(this.pos + 8, v, true);
    this.pos += 16;
  }

  /** Closes a samples entry with its final count, dropping it when empty. */
  endSamples(start: number, count: number): void {
    if (count === 0) this.pos = start;
    else this.view.setUint32(start + 5, count, true);
  }

  /**
   * Adds a new series (written to the catalogue later, in a batch: ADR 0009). Must come before the series'
   * first samples entry. JSON never holds a raw NUL, so the first NUL ends the tenant.
   */
  addSeries(id: number, tenant: string, labelsJson: string): void {
    const text = `${tenant}\u0000${labelsJson}`;
    this.ensure(9 + text.length * 3);
    const n = utf8.encodeInto(text, this.bytes.subarray(this.pos + 9)).written;
    this.view.setUint8(this.pos, ENTRY_SERIES);
    this.view.setUint32(this.pos + 1, id, true);
    this.view.setUint32(this.pos + 5, n, true);
    this.pos += 9 + n;
  }

  /** Adds a head snapshot blob. */
  addSnapshot(id: number, blob: Uint8Array): void {
    this.ensure(9 + blob.length);
    this.view.setUint8(this.pos, ENTRY_SNAPSHOT);
    this.view.setUint32(this.pos + 1, id, true);
    this.view.setUint32(this.pos + 5, blob.length, true);
    this.bytes.set(blob, this.pos + 9);
    this.pos += 9 + blob.length;
  }

  /**
   * Frames the entries as one record (length + CRC-32) and returns its bytes. The buffer is swapped for a spare
   * one given back by `recycle` (or a new one), so appends go on while the record is written.
   */
  take(): Uint8Array {
    const len = this.pos - HEADER;
    this.view.setUint32(0, len, true);
    this.view.setUint32(4, crc32(this.bytes.subarray(HEADER, this.pos)), true);
    const out = this.bytes.subarray(0, this.pos);
    const size = this.bytes.length;
    const spare = this.spare.pop();
    this.bytes =
      spare !== undefined && spare.length >= Math.min(size, 1 << 24) ? spare : new Uint8Array(Math.max(1 << 16, Math.min(size, 1 << 24)));
    this.view = new DataView(this.bytes.buffer);
    this.pos = HEADER;
    return out;
  }

  /**
   * Gives back a record returned by `take` once it is written, for reuse: allocating a fresh megabyte-sized buffer
   * for every group commit made the garbage collector a large share of ingest time.
   */
  recycle(record: Uint8Array): void {
    if (record.byteOffset !== 0 || record.buffer.byteLength > 1 << 24 || this.spare.length >= 2) return;
    this.spare.push(new Uint8Array(record.buffer));
  }
}

/** Receives WAL entries during replay. */
export interface WalVisitor {
  samples(id: number, view: DataView, offset: number, count: number): void;
  snapshot(id: number, blob: Uint8Array): void;
  series(id: number, tenant: string, labelsJson: string): void;
}

function segmentName(n: number): string {
  return `${String(n).padStart(10, '0')}.wal`;
}

/** Lists segment numbers in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => /^\d{10}\.wal$/.test(f))
    .map((f) => Number(f.slice(0, 10)))
    .sort((a, b) => a - b);
}

/**
 * Replays one segment. A torn or corrupt record ends the segment: it can only be the tail of a
 * write that never completed, whose append was therefore never acknowledged. Returns the bytes and
 * records read and whether the segment ended early.
 */
export function replaySegment(path: string, visit: WalVisitor): { records: number; torn: boolean } {
  const buf = readFileSync(path);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let records = 0;
  while (pos + HEADER <= bytes.length) {
    const len = view.getUint32(pos, true);
    const crc = view.getUint32(pos + 4, true);
    const start = pos + HEADER;
    const end = start + len;
    if (end > bytes.length || crc32(bytes.subarray(start, end)) !== crc) return { records, torn: true };
    let p = start;
    while (p < end) {
      const type = view.getUint8(p);
      const id = view.getUint32(p + 1, true);
      if (type === ENTRY_SAMPLES) {
        const n = view.getUint32(p + 5, true);
        visit.samples(id, view, p + 9, n);
        p += 9 + n * 16;
      } else if (type === ENTRY_SNAPSHOT) {
        const n = view.getUint32(p + 5, true);
        visit.snapshot(id, bytes.slice(p + 9, p + 9 + n));
        p += 9 + n;
      } else if (type === ENTRY_SERIES) {
        const n = view.getUint32(p + 5, true);
        const text = utf8Decoder.decode(bytes.subarray(p + 9, p + 9 + n));
        const cut = text.indexOf('\u0000');
        visit.series(id, text.slice(0, cut), text.slice(cut + 1));
        p += 9 + n;
      } else return { records, torn: true };
    }
    records++;
    pos = end;
  }
  return { records, torn: pos !== bytes.length };
}

/** The append-only log: one open segment written with plain `write` calls, older segments kept until a checkpoint. */
export class WalWriter {
  readonly dir: string;
  segment: number;
  private fd: number;
  /** Bytes written to the open segment. */
  size = 0;
  private syncing = false;

  constructor(dir: string, segment: number) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    this.segment = segment;
    this.fd = openSync(join(dir, segmentName(segment)), 'a');
  }

  /** Writes a record asynchronously (thread pool); resolves once the OS has all its bytes. */
  writeAsync(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const fd = this.fd;
      let off = 0;
      const step = (): void => {
        write(fd, bytes, off, bytes.length - off, null, (err, n) => {
          if (err) return reject(err);
          off += n;
          if (off < bytes.length) step();
          else {
            this.size += bytes.length;
            resolve();
          }
        });
      };
      step();
    });
  }

  /** Writes a record synchronously. */
  writeSync(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.size += bytes.length;
  }

  /** Flushes the open segment to stable storage. */
  sync(): void {
    fdatasyncSync(this.fd);
  }

  /**
   * Flushes the open segment to stable storage on the thread pool, so a slow disk never holds the event loop (the
   * periodic sync that bounds what a power cut can take). At most one at a time. A sync still queued when the
   * segment is rotated may reach a closed descriptor (EBADF) or another file; either is harmless, and rotation syncs
   * the new segment itself.
   */
  syncInBackground(onError: (e: Error) => void): void {
    if (this.syncing) return;
    this.syncing = true;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err && err.code !== 'EBADF') onError(err);
    });
  }

  /** Opens the next segment (synced and empty) and returns the numbers of all older ones. */
  rotate(): number[] {
    const old = listSegments(this.dir).filter((n) => n <= this.segment);
    closeSync(this.fd);
    this.segment++;
    this.fd = openSync(join(this.dir, segmentName(this.segment)), 'a');
    this.size = 0;
    return old;
  }

  /** Deletes the given segments and syncs the directory so the deletion survives power loss. */
  remove(segments: number[]): void {
    for (const n of segments) unlinkSync(join(this.dir, segmentName(n)));
    const dfd = openSync(this.dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  /** Closes the open segment. */
  close(): void {
    closeSync(this.fd);
  }
}

/** Path of segment `n` in `dir`. */
export function segmentPath(dir: string, n: number): string {
  return join(dir, segmentName(n));
}
