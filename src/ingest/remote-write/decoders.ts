import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { type ErrorCode, type LabelLimits, type Logger, siblingModule, startWorker, VigilError } from '../../core/index.js';
import { type DecodedWriteRequest, decodeWriteRequestSliced } from './decode.js';
import { type DecodeJob, type DecodeReply, LabelTable } from './packed.js';
import { snappyUncompress } from './snappy.js';

/**
 * Decodes a remote_write body on this thread: snappy, then the WriteRequest in slices (ADR 0008), its label sets
 * checked against `labelLimits` (see DecodedWriteRequest).
 */
export async function decodeRemoteWriteBody(
  body: Buffer,
  limit: number,
  maxSamples: number,
  labelLimits?: LabelLimits,
): Promise<DecodedWriteRequest> {
  return decodeWriteRequestSliced(await snappyUncompress(body, limit), maxSamples, labelLimits);
}

/** Options for RemoteWriteDecoders. */
export interface RemoteWriteDecodersOptions {
  /** Decode worker threads; 0 decodes every body on the main thread. */
  workers: number;
  logger: Logger;
  /** Bodies smaller than this (compressed bytes) are decoded on the main thread, where they cost less than a round trip. */
  inlineBelowBytes?: number;
  /** Compressed bytes queued for the workers above which `decode` refuses with OVERLOADED (the route answers 503 + Retry-After). */
  maxPendingBytes?: number;
}

interface Pending {
  resolve: (d: DecodedWriteRequest) => void;
  reject: (e: unknown) => void;
  bytes: number;
}

interface Slot {
  worker: Worker;
  /** Set once the worker has loaded its modules; until then bodies are decoded inline. */
  ready: boolean;
  /** Label sets this worker has defined (each worker numbers its own). */
  table: LabelTable;
  pending: Map<number, Pending>;
}

/** The default number of decode workers: one when the machine has a core to spare for it. */
export function defaultDecodeWorkers(): number {
  return availableParallelism() > 1 ? 1 : 0;
}

/**
 * Decodes remote_write bodies (snappy + WriteRequest) on worker threads, so the main thread, which validates
 * and stores, does only that: on a two-core machine ingest then uses both (ADR 0009). The worker answers with
 * samples in moved typed arrays and label sets by reference (packed.ts). Small bodies are decoded inline.
 * A worker that dies fails its requests with NOT_READY (503, retried by senders) and is started again.
 */
export class RemoteWriteDecoders {
  private readonly slots: (Slot | undefined)[];
  private readonly log: Logger;
  private readonly inlineBelow: number;
  private readonly maxPendingBytes: number;
  private pendingBytes = 0;
  private nextId = 1;
  private onWorkers = 0;
  private closed = false;

  constructor(opts: RemoteWriteDecodersOptions) {
    this.log = opts.logger;
    this.inlineBelow = opts.inlineBelowBytes ?? 4096;
    this.maxPendingBytes = opts.maxPendingBytes ?? 256 * 1024 * 1024;
    this.slots = Array.from({ length: Math.max(0, opts.workers) }, (_, i) => this.spawn(i));
  }

  /** Resolves once every worker has loaded (bodies arriving before are decoded inline), or after `timeoutMs`. */
  ready(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve) => {
      const started = Date.now();
      const check = () => {
        if (this.slots.every((s) => s === undefined || s.ready) || Date.now() - started > timeoutMs) resolve();
        else setTimeout(check, 10).unref();
      };
      check();
    });
  }

  /** Bodies decoded on a worker so far. */
  get workerDecodes(): number {
    return this.onWorkers;
  }

  /** Compressed bytes sent to workers and not yet answered. */
  get pending(): number {
    return this.pendingBytes;
  }

  /** Decodes one snappy-compressed WriteRequest; answers and throws like the inline decoder (BAD_ENCODING, BAD_PAYLOAD, …). */
  decode(body: Buffer, limit: number, maxSamples: number, labelLimits?: LabelLimits): Promise<DecodedWriteRequest> {
    if (this.closed) return Promise.reject(new VigilError('NOT_READY', 'remote_write decoders are closed'));
    const slot = this.pick();
    if (slot === undefined || body.length < this.inlineBelow) return decodeRemoteWriteBody(body, limit, maxSamples, labelLimits);
    if (this.pendingBytes > 0 && this.pendingBytes + body.length > this.maxPendingBytes) {
      return Promise.reject(
        new VigilError('OVERLOADED', `${this.pendingBytes} bytes wait for decoding; retry later`, { context: { retryAfterSeconds: 1 } }),
      );
    }
    const id = this.nextId++;
    // A copy the worker can own: the request body may share its memory with other buffers.
    const copy = new Uint8Array(body.length);
    copy.set(body);
    const job: DecodeJob = { id, body: copy, limit, maxSamples };
    if (labelLimits !== undefined) job.labelLimits = labelLimits;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, bytes: body.length });
      this.pendingBytes += body.length;
      slot.worker.postMessage(job, [copy.buffer]);
    });
  }

  /** Stops the workers; requests still decoding fail with NOT_READY. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.filter((s): s is Slot => s !== undefined);
    this.slots.fill(undefined);
    for (const s of slots) this.failAll(s, new VigilError('NOT_READY', 'server is shutting down'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** The worker with the fewest requests in flight. */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s?.ready && (best === undefined || s.pending.size < best.pending.size)) best = s;
    return best;
  }

  private spawn(index: number): Slot {
    const worker = startWorker(siblingModule(import.meta.url, 'decode-worker'));
    const slot: Slot = { worker, ready: false, table: new LabelTable(), pending: new Map() };
    worker.unref();
    worker.on('message', (m: DecodeReply | 'ready') => this.onReply(slot, m));
    worker.on('error', (e) => this.log.error({ err: e, worker: index }, 'remote_write decode worker failed'));
    worker.on('exit', (code) => {
      this.failAll(slot, new VigilError('NOT_READY', 'remote_write decode worker stopped; retry', { context: { retryAfterSeconds: 1 } }));
      if (this.closed || this.slots[index] !== slot) return;
      this.log.error({ worker: index, code }, 'remote_write decode worker exited; starting another');
      this.slots[index] = this.spawn(index);
    });
    return slot;
  }

  private onReply(slot: Slot, m: DecodeReply | 'ready'): void {
    if (m === 'ready') {
      slot.ready = true;
      return;
    }
    const p = slot.pending.get(m.id);
    if (p === undefined) return;
    slot.pending.delete(m.id);
    this.pendingBytes -= p.bytes;
    if (!m.ok) {
      p.reject(m.code === 'UNKNOWN' ? new VigilError('INTERNAL', m.message) : new VigilError(m.code as ErrorCode, m.message));
      return;
    }
    try {
      p.resolve(slot.table.unpack(m.packed));
      this.onWorkers++;
    } catch (e) {
      p.reject(new VigilError('INTERNAL', 'remote_write decode worker answered badly', { cause: e }));
    }
  }

  private failAll(slot: Slot, e: VigilError): void {
    for (const p of slot.pending.values()) {
      this.pendingBytes -= p.bytes;
      p.reject(e);
    }
    slot.pending.clear();
  }
}
