import type { Counter, Gauge, Registry } from 'prom-client';
import client from 'prom-client';
import {
  type AppendResult,
  DEFAULT_LABEL_LIMITS,
  doubleArray,
  type LabelLimits,
  type Logger,
  normalizeLabels,
  type Rejection,
  type SeriesSamples,
  VigilError,
  validateLabels,
} from '../core/index.js';
import type { Appender } from '../tsdb/index.js';

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
  /** Largest number of samples one `write` call may carry. */
  maxSamplesPerRequest?: number;
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
  private readonly listeners: AppendedListener[] = [];
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

  /** Samples currently waiting for storage. */
  get queueDepth(): number {
    return this.queued;
  }

  /**
   * Validates and durably stores a batch for `tenant`. Invalid series and samples are reported one by one
   * in `rejected` (indices into `batch`); the rest are stored. Throws OVERLOADED when storage is behind and
   * TOO_MANY_SAMPLES when the batch exceeds the per-request limit; nothing is stored in either case.
   */
  async write(tenant: string, batch: readonly SeriesSamples[], protocol = 'vigil'): Promise<AppendResult> {
    let total = 0;
    for (const s of batch) total += s.timestamps.length;
    if (total > this.maxPerRequest) {
      this.requests.inc({ protocol, outcome: 'rejected' });
      throw new VigilError('TOO_MANY_SAMPLES', `request has ${total} samples; the limit is ${this.maxPerRequest}`);
    }
    if (this.queued + total > this.maxQueued && this.queued > 0) {
      this.requests.inc({ protocol, outcome: 'overloaded' });
      throw new VigilError('OVERLOADED', `ingest queue holds ${this.queued} samples; retry later`, { context: { retryAfterSeconds: 1 } });
    }
    const rejected: Rejection[] = [];
    const clean: SeriesSamples[] = [];
    const cleanIndex: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i] as SeriesSamples;
      const problem = validateLabels(s.labels, this.limits);
      if (problem !== null) {
        for (let j = 0; j < s.timestamps.length; j++) rejected.push({ series: i, sample: j, reason: 'bad_labels', detail: problem });
        continue;
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
        clean.push({ labels: normalizeLabels(s.labels), timestamps: ts, values: vs });
      } else if (s.timestamps.length > 0) {
        clean.push({ labels: normalizeLabels(s.labels), timestamps: s.timestamps, values: s.values });
      } else continue;
      cleanIndex.push(i);
    }
    this.queued += total;
    this.queueGauge.set(this.queued);
    let result: AppendResult;
    try {
      result = await this.storage.append(tenant, clean);
    } finally {
      this.queued -= total;
      this.queueGauge.set(this.queued);
    }
    for (const r of result.rejected) {
      rejected.push({ ...r, series: cleanIndex[r.series] ?? r.series });
    }
    for (const r of rejected) this.rejectedCounter.inc({ protocol, reason: r.reason });
    this.accepted.inc({ protocol }, result.accepted);
    this.requests.inc({ protocol, outcome: 'ok' });
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
