import type { Counter, Gauge, Registry } from 'prom-client';
import client from 'prom-client';
import {
  type AppendResult,
  DEFAULT_LABEL_LIMITS,
  doubleArray,
  isNormalizedLabels,
  type LabelLimits,
  type Labels,
  type Logger,
  normalizeLabels,
  type Rejection,
  type SeriesSamples,
  VigilError,
  validateLabels,
} from '../core/index.js';
import type { Appender } from '../tsdb/index.js';
import { yieldToEventLoop } from './event-loop.js';

/** Called after a batch is durably stored, with only the samples that were accepted. */
export type AppendedListener = (tenant: string, batch: readonly SeriesSamples[]) => void;

/** Options for the ingest pipeline. */
export interface IngestPipelineOptions {
  storage: Appender;
  logger: Logger;
  registry: Registry;
  limits?: Partial<LabelLimits>;
  /** Samples in flight to storage above which `write` refuses with OVERLOADED (429 + Retry-After). */
  maxQueuedSamples?: number;
  /** Largest number of samples one request (a `write` call or a whole `stream`) may carry. */
  maxSamplesPerRequest?: number;
  /** Samples validated and appended in one go (default 5,000); larger batches are stored slice by slice. */
  sliceSamples?: number;
}

/** How a batch handed to `IngestPipeline.write` was prepared. */
export interface WriteOptions {
  /**
   * Every label set is already valid under this pipeline's `labelLimits` and in canonical form (sorted, no empty
   * value): the decoder checked it, as remote_write's does once per label set it caches. Validation is skipped.
   */
  labelsChecked?: boolean;
  /**
   * The sender cannot retry (Vigil's own scraper: a refused scrape is lost): consumers added with
   * `addBackpressure` are not asked, and a consumer that is behind queues these samples (up to its own bound).
   * The storage queue's limit still applies.
   */
  cannotRetry?: boolean;
}

/** One request whose samples are written batch by batch as its body is decoded; see `IngestPipeline.stream`. */
export interface IngestStream {
  /**
   * Validates and durably stores the next batch; rejections are indexed into `batch`. Throws TOO_MANY_SAMPLES
   * when the request's samples so far exceed the per-request limit (this batch is then not stored; earlier
   * batches stay stored) and OVERLOADED on the first batch when storage is behind. Call one at a time.
   */
  write(batch: readonly SeriesSamples[]): Promise<AppendResult>;
  /** Counts the request as done; call once after the last batch was written. */
  end(): void;
}

/** Samples in a batch. */
function countSamples(batch: readonly SeriesSamples[]): number {
  let n = 0;
  for (const s of batch) n += s.timestamps.length;
  return n;
}

/** Part of a batch: its series (whole or cut), where each came from, and the index of each piece's first sample. */
interface Slice {
  series: SeriesSamples[];
  /** Index in the batch of each entry of `series`. */
  origin: number[];
  /** Index in its batch series of each entry's first sample. */
  offset: number[];
  samples: number;
}

/**
 * Cuts a batch into slices of at most `size` samples (an empty series counts as one), in order; a series longer
 * than what is left of a slice is cut, with values copied into double arrays so NaN payloads (staleness markers)
 * survive. A series whose timestamps and values differ in length is never cut (validation refuses it whole).
 */
function* slices(batch: readonly SeriesSamples[], size: number): Generator<Slice> {
  let cur: Slice = { series: [], origin: [], offset: [], samples: 0 };
  let weight = 0;
  for (let i = 0; i < batch.length; i++) {
    const s = batch[i] as SeriesSamples;
    const n = s.timestamps.length;
    let from = 0;
    do {
      const room = size - weight;
      const take = n - from <= room || n !== s.values.length ? n - from : room;
      if (from === 0 && take === n) cur.series.push(s);
      else {
        const values = doubleArray();
        for (let j = from; j < from + take; j++) values.push(s.values[j] as number);
        cur.series.push({ labels: s.labels, timestamps: s.timestamps.slice(from, from + take), values });
      }
      cur.origin.push(i);
      cur.offset.push(from);
      cur.samples += take;
      weight += Math.max(1, take);
      from += take;
      if (weight >= size) {
        yield cur;
        cur = { series: [], origin: [], offset: [], samples: 0 };
        weight = 0;
      }
    } while (from < n);
  }
  if (cur.series.length > 0) yield cur;
}

/**
 * The one place samples enter Vigil: every protocol handler, the local agent, `vigil import` and the
 * demo call `write`. It validates labels and values, refuses when storage is behind (backpressure),
 * appends durably, then hands the accepted samples to subscribers (detection, live stream).
 */
export class IngestPipeline {
  private readonly storage: Appender;
  private readonly log: Logger;
  private readonly limits: LabelLimits;
  private readonly maxQueued: number;
  private readonly maxPerRequest: number;
  private readonly sliceSamples: number;
  private readonly listeners: AppendedListener[] = [];
  private readonly downstream: (() => string | null)[] = [];
  /**
   * Label sets already validated, normalised (and frozen), by the frozen label object a decoder shares between
   * requests (remote_write's label cache): a sender repeats the same series in every request.
   */
  private readonly checkedLabels = new WeakMap<Labels, Labels>();
  private queued = 0;
  private readonly accepted: Counter<'protocol'>;
  private readonly rejectedCounter: Counter<'protocol' | 'reason'>;
  private readonly requests: Counter<'protocol' | 'outcome'>;
  private readonly queueGauge: Gauge;

  constructor(opts: IngestPipelineOptions) {
    this.storage = opts.storage;
    this.log = opts.logger;
    this.limits = { ...DEFAULT_LABEL_LIMITS, ...opts.limits };
    this.maxQueued = opts.maxQueuedSamples ?? 4_000_000;
    this.maxPerRequest = opts.maxSamplesPerRequest ?? 1_000_000;
    this.sliceSamples = Math.max(1, opts.sliceSamples ?? 5_000);
    const registers = [opts.registry];
    this.accepted = new client.Counter({
      name: 'vigil_ingest_samples_accepted_total',
      help: 'Samples stored, by protocol.',
      labelNames: ['protocol'],
      registers,
    });
    this.rejectedCounter = new client.Counter({
      name: 'vigil_ingest_samples_rejected_total',
      help: 'Samples refused, by protocol and reason.',
      labelNames: ['protocol', 'reason'],
      registers,
    });
    this.requests = new client.Counter({
      name: 'vigil_ingest_requests_total',
      help: 'Ingest requests, by protocol and outcome (ok, rejected, overloaded).',
      labelNames: ['protocol', 'outcome'],
      registers,
    });
    this.queueGauge = new client.Gauge({
      name: 'vigil_ingest_queue_samples',
      help: 'Samples accepted by ingest and not yet durably stored.',
      registers,
    });
  }

  /** Subscribes to durably stored samples; listeners must not throw and must not block. */
  onAppended(listener: AppendedListener): void {
    this.listeners.push(listener);
  }

  /**
   * Adds a check of a consumer of stored samples (detection): while it answers a reason (it is behind), new
   * requests are refused with OVERLOADED like a full queue, so senders slow down instead of the consumer's backlog
   * growing; null lets them in.
   */
  addBackpressure(behind: () => string | null): void {
    this.downstream.push(behind);
  }

  /** The label limits series are checked against; a decoder that checks labels itself uses these (WriteOptions). */
  get labelLimits(): LabelLimits {
    return this.limits;
  }

  /** Samples currently waiting for storage. */
  get queueDepth(): number {
    return this.queued;
  }

  /**
   * Validates and durably stores a batch for `tenant`: one request. Invalid series and samples are reported one
   * by one in `rejected` (indices into `batch`); the rest are stored. Throws OVERLOADED when storage is behind
   * and TOO_MANY_SAMPLES when the batch exceeds the per-request limit; nothing is stored in either case.
   * A batch larger than one slice is validated and appended slice by slice, yielding to the event loop in
   * between, so a large request never holds the loop for longer than one slice; it resolves once every slice
   * is durable.
   */
  async write(tenant: string, batch: readonly SeriesSamples[], protocol = 'vigil', opts: WriteOptions = {}): Promise<AppendResult> {
    const total = countSamples(batch);
    if (total > this.maxPerRequest) {
      this.requests.inc({ protocol, outcome: 'rejected' });
      throw new VigilError('TOO_MANY_SAMPLES', `request has ${total} samples; the limit is ${this.maxPerRequest}`);
    }
    this.admit(total, protocol, opts.cannotRetry !== true);
    const result = await this.run(tenant, batch, protocol, total, opts.labelsChecked === true);
    this.requests.inc({ protocol, outcome: 'ok' });
    return result;
  }

  /**
   * Opens one request whose samples arrive in several batches as the request body is decoded (streaming
   * protocols). The per-request sample limit counts every batch of the stream; the backpressure check is made
   * before the first batch only, so a request once admitted runs to its end (each stream has one batch in
   * flight at a time, which bounds the queue by the number of open requests).
   */
  stream(tenant: string, protocol: string): IngestStream {
    let total = 0;
    let batches = 0;
    return {
      write: async (batch) => {
        const n = countSamples(batch);
        total += n;
        if (total > this.maxPerRequest) {
          this.requests.inc({ protocol, outcome: 'rejected' });
          throw new VigilError('TOO_MANY_SAMPLES', `request has more than ${this.maxPerRequest} samples`);
        }
        if (batches++ === 0) this.admit(n, protocol, true);
        return this.run(tenant, batch, protocol, n, false);
      },
      end: () => {
        if (batches > 0) this.requests.inc({ protocol, outcome: 'ok' });
      },
    };
  }

  /**
   * Refuses with OVERLOADED when `total` more samples would overfill the queue (an empty queue takes anything) or
   * a consumer added with `addBackpressure` is behind.
   */
  private admit(total: number, protocol: string, askConsumers: boolean): void {
    let reason: string | null = null;
    if (this.queued + total > this.maxQueued && this.queued > 0) reason = `ingest queue holds ${this.queued} samples`;
    for (let i = 0; askConsumers && reason === null && i < this.downstream.length; i++)
      reason = (this.downstream[i] as () => string | null)();
    if (reason !== null) {
      this.requests.inc({ protocol, outcome: 'overloaded' });
      throw new VigilError('OVERLOADED', `${reason}; retry later`, { context: { retryAfterSeconds: 1 } });
    }
  }

  /** Stores `batch` (of `total` samples) slice by slice, counting it in the queue until each slice is durable. */
  private async run(
    tenant: string,
    batch: readonly SeriesSamples[],
    protocol: string,
    total: number,
    labelsChecked: boolean,
  ): Promise<AppendResult> {
    this.queued += total;
    this.queueGauge.set(this.queued);
    let pending = total;
    try {
      if (total <= this.sliceSamples) return await this.writeSlice(tenant, batch, protocol, labelsChecked);
      const out: AppendResult = { accepted: 0, rejected: [] };
      for (const slice of slices(batch, this.sliceSamples)) {
        const r = await this.writeSlice(tenant, slice.series, protocol, labelsChecked);
        out.accepted += r.accepted;
        for (const rej of r.rejected) {
          const origin = slice.origin[rej.series] as number;
          out.rejected.push({ ...rej, series: origin, sample: rej.sample + (slice.offset[rej.series] as number) });
        }
        pending -= slice.samples;
        this.queued -= slice.samples;
        this.queueGauge.set(this.queued);
        if (pending > 0) await yieldToEventLoop();
      }
      return out;
    } finally {
      this.queued -= pending;
      this.queueGauge.set(this.queued);
    }
  }

  /** Validates, appends and announces one slice; rejections are indexed into `batch`. */
  private async writeSlice(
    tenant: string,
    batch: readonly SeriesSamples[],
    protocol: string,
    labelsChecked: boolean,
  ): Promise<AppendResult> {
    const rejected: Rejection[] = [];
    const clean: SeriesSamples[] = [];
    const cleanIndex: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i] as SeriesSamples;
      const frozen = Object.isFrozen(s.labels);
      let labels = labelsChecked ? s.labels : frozen ? this.checkedLabels.get(s.labels) : undefined;
      if (labels === undefined) {
        const problem = validateLabels(s.labels, this.limits);
        if (problem !== null) {
          for (let j = 0; j < s.timestamps.length; j++) rejected.push({ series: i, sample: j, reason: 'bad_labels', detail: problem });
          continue;
        }
        // A frozen set already in canonical form (sorted, no empty value: what senders and decoders usually give)
        // is used as it is, so the store sees the very object ingest hands over request after request.
        labels = frozen && isNormalizedLabels(s.labels) ? s.labels : normalizeLabels(s.labels);
        if (frozen) this.checkedLabels.set(s.labels, Object.freeze(labels));
      }
      if (s.timestamps.length !== s.values.length) {
        rejected.push({ series: i, sample: 0, reason: 'bad_value', detail: 'timestamps and values differ in length' });
        continue;
      }
      let ok = true;
      for (let j = 0; j < s.timestamps.length; j++) {
        const t = s.timestamps[j] as number;
        if (!Number.isSafeInteger(t) || t < 0) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        // Rare path: split out the bad timestamps one by one.
        const ts: number[] = [];
        const vs = doubleArray();
        for (let j = 0; j < s.timestamps.length; j++) {
          const t = s.timestamps[j] as number;
          if (!Number.isSafeInteger(t) || t < 0) rejected.push({ series: i, sample: j, reason: 'bad_timestamp' });
          else {
            ts.push(t);
            vs.push(s.values[j] as number);
          }
        }
        if (ts.length === 0) continue;
        clean.push({ labels, timestamps: ts, values: vs });
      } else if (s.timestamps.length > 0) {
        clean.push(labels === s.labels ? s : { labels, timestamps: s.timestamps, values: s.values });
      } else continue;
      cleanIndex.push(i);
    }
    const result = await this.storage.append(tenant, clean);
    for (const r of result.rejected) {
      rejected.push({ ...r, series: cleanIndex[r.series] ?? r.series });
    }
    for (const r of rejected) this.rejectedCounter.inc({ protocol, reason: r.reason });
    this.accepted.inc({ protocol }, result.accepted);
    if (this.listeners.length > 0 && result.accepted > 0) this.emit(tenant, clean, result);
    return { accepted: result.accepted, rejected };
  }

  private emit(tenant: string, clean: SeriesSamples[], result: AppendResult): void {
    let out: readonly SeriesSamples[] = clean;
    if (result.rejected.length > 0) {
      const drop = new Map<number, Set<number>>();
      for (const r of result.rejected) {
        let set = drop.get(r.series);
        if (!set) {
          set = new Set();
          drop.set(r.series, set);
        }
        set.add(r.sample);
      }
      out = clean
        .map((s, i) => {
          const d = drop.get(i);
          if (!d) return s;
          const ts: number[] = [];
          const vs = doubleArray();
          for (let j = 0; j < s.timestamps.length; j++)
            if (!d.has(j)) {
              ts.push(s.timestamps[j] as number);
              vs.push(s.values[j] as number);
            }
          return { labels: s.labels, timestamps: ts, values: vs };
        })
        .filter((s) => s.timestamps.length > 0);
    }
    for (const l of this.listeners) {
      try {
        l(tenant, out);
      } catch (e) {
        this.log.error({ err: e }, 'ingest listener failed');
      }
    }
  }
}
