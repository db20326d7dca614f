import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import client, { type Registry } from 'prom-client';
import {
  type Anomaly,
  type Clock,
  isStaleNaN,
  jsonFloatReplacer,
  jsonFloatReviver,
  type Labels,
  type Logger,
  type SeriesSamples,
  seriesKey,
  siblingModule,
  startWorker,
  systemClock,
  VigilError,
} from '../core/index.js';
import type { HostScoredSeries } from './host-score.js';
import { LabelsSent, unpackScores } from './packed.js';
import type {
  ExcludedHostTimes,
  FromWorker,
  HostModelInfo,
  ModelInfo,
  SavedHostModel,
  SavedModel,
  ScoredBatch,
  ToWorker,
  WorkItem,
} from './protocol.js';

/** Options of the detection engine. */
export interface DetectionEngineOptions {
  logger: Logger;
  /** Where the engine's own metrics go (`vigil_detect_*`); none when absent. */
  registry?: Registry;
  /** Worker threads; series are sharded over them by a hash of their key. Default 1. */
  workers?: number;
  /** Persist model state here periodically and on stop; restore on start. No persistence when absent. */
  stateDir?: string;
  clock?: Clock;
  /** How often model state is saved while running (ms). Default 5 minutes. */
  saveIntervalMs?: number;
  /**
   * Samples for which this is true (e.g. the alert manager's `isInMaintenance`) are scored but not learnt from
   * and never emitted as anomalies, so maintenance windows stay out of the models. Applies to `train` too.
   */
  exclude?: (tenant: string, labels: Labels, t: number) => boolean;
  /**
   * Host rows for which this is true (e.g. an acknowledged incident on the host) are scored but not learnt by the
   * host's multivariate model. A row is also kept out when any of its samples is excluded by `exclude`.
   */
  excludeHost?: (tenant: string, host: string, t: number) => boolean;
  /**
   * Samples pushed to one worker and not yet scored above which further pushes to it are dropped (counted in
   * `vigil_detect_samples_dropped_total`, warned about) instead of queued: a last bound, for when samples keep
   * coming although `behind()` says to wait, so memory and the delay of every later anomaly stay bounded.
   * Default 2,000,000 (about a second of scoring at the measured cost per sample).
   */
  maxBacklogSamples?: number;
  /**
   * Samples waiting to be scored (all workers) above which `behind()` says so; the server refuses new ingest
   * requests meanwhile (429/503 with Retry-After), so senders slow down to what detection scores. Default 500,000.
   */
  behindAtSamples?: number;
}

/** What the state file holds. */
interface SavedState {
  savedAt: number;
  models: SavedModel[];
  hosts?: SavedHostModel[];
}

/** File (under `stateDir`) holding every model's state. */
export const MODEL_STATE_FILE = 'detect-models.json';

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** What decides a series' worker: its host (so one worker sees all of a host's series), else its own key. */
function routeKey(labels: Labels, series: string): string {
  return labels.host ? `host\u0000${labels.host}` : series;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Scores every pushed sample in worker threads sharded by host (series without a host label by series), runs each
 * host's multivariate model next to its series' models, emits alert-level anomalies, per-sample and per-host
 * scores, takes feedback, and saves model state so a restart does not mean re-learning.
 */
export class DetectionEngine {
  private readonly log: Logger;
  private readonly nWorkers: number;
  private readonly stateDir: string | undefined;
  private readonly clock: Clock;
  private readonly saveIntervalMs: number;
  private readonly exclude: DetectionEngineOptions['exclude'];
  private readonly excludeHost: DetectionEngineOptions['excludeHost'];
  private workers: Worker[] = [];
  private readonly anomalyListeners: Array<(a: Anomaly) => void> = [];
  private readonly scoreListeners: Array<(tenant: string, scores: ScoredBatch) => void> = [];
  private readonly hostScoreListeners: Array<(tenant: string, scores: HostScoredSeries[]) => void> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Series keys of the frozen label sets ingest hands over batch after batch (their keys are built once). */
  private readonly keys = new WeakMap<Labels, string>();
  private readonly maxBacklog: number;
  private readonly behindAt: number;
  /** Samples posted to each worker and not yet scored. */
  private backlog: number[] = [];
  /** Each worker's pushes not yet answered, oldest first: their items (answers carry only numbers) and samples. */
  private inflight: { items: WorkItem[]; samples: number }[][] = [];
  /** Which series' labels each worker has been sent (pushes carry labels once per series). */
  private labelsSent: LabelsSent[] = [];
  private lastDropWarning = Number.NEGATIVE_INFINITY;
  private readonly samples: client.Counter | undefined;
  private readonly dropped: client.Counter | undefined;
  private readonly anomalies: client.Counter<'severity'> | undefined;
  private readonly errors: client.Counter | undefined;

  constructor(opts: DetectionEngineOptions) {
    this.log = opts.logger;
    this.nWorkers = Math.max(1, Math.floor(opts.workers ?? 1));
    this.stateDir = opts.stateDir;
    this.clock = opts.clock ?? systemClock;
    this.saveIntervalMs = opts.saveIntervalMs ?? 5 * 60_000;
    this.exclude = opts.exclude;
    this.excludeHost = opts.excludeHost;
    this.maxBacklog = Math.max(1, opts.maxBacklogSamples ?? 2_000_000);
    this.behindAt = Math.max(1, opts.behindAtSamples ?? 500_000);
    if (opts.registry !== undefined) {
      const registers = [opts.registry];
      const engine = this;
      this.samples = new client.Counter({
        name: 'vigil_detect_samples_total',
        help: 'Samples handed to detection workers to be scored.',
        registers,
      });
      this.dropped = new client.Counter({
        name: 'vigil_detect_samples_dropped_total',
        help: 'Samples stored but not scored because detection was behind (its backlog was full).',
        registers,
      });
      new client.Gauge({
        name: 'vigil_detect_backlog_samples',
        help: 'Samples handed to detection and not yet scored.',
        registers,
        collect() {
          this.set(engine.backlogSamples);
        },
      });
      this.anomalies = new client.Counter({
        name: 'vigil_detect_anomalies_total',
        help: 'Alert-level anomalies emitted, by severity.',
        labelNames: ['severity'],
        registers,
      });
      this.errors = new client.Counter({ name: 'vigil_detect_errors_total', help: 'Errors in detection workers.', registers });
    }
  }

  /** Starts the workers and restores saved model state. */
  async start(): Promise<void> {
    if (this.running) return;
    for (let i = 0; i < this.nWorkers; i++) this.workers.push(this.spawn(i));
    this.backlog.length = 0;
    this.inflight.length = 0;
    this.labelsSent.length = 0;
    for (let i = 0; i < this.nWorkers; i++) {
      this.backlog.push(0);
      this.inflight.push([]);
      this.labelsSent.push(new LabelsSent());
    }
    this.running = true;
    const saved = this.readState();
    if (saved.models.length > 0 || (saved.hosts?.length ?? 0) > 0) {
      const models: SavedModel[][] = this.workers.map(() => []);
      const hosts: SavedHostModel[][] = this.workers.map(() => []);
      for (const m of saved.models) models[this.workerOf(routeKey(m.labels, m.series))]?.push(m);
      for (const h of saved.hosts ?? []) hosts[this.workerOf(routeKey({ host: h.host }, ''))]?.push(h);
      this.workers.forEach((_, i) => {
        this.post(i, { type: 'restore', models: models[i] ?? [], hosts: hosts[i] ?? [] });
      });
      this.log.info({ models: saved.models.length, hosts: saved.hosts?.length ?? 0 }, 'detection models restored');
    }
    if (this.stateDir !== undefined) {
      this.timer = setInterval(() => {
        this.save().catch((e: unknown) => {
          this.errors?.inc();
          this.log.error({ err: e }, 'saving detection models failed');
        });
      }, this.saveIntervalMs);
      this.timer.unref();
    }
  }

  /** Saves model state (when a state directory is set) and stops the workers. */
  async stop(): Promise<void> {
    if (!this.running) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.save();
    } catch (e) {
      this.log.error({ err: e }, 'saving detection models on stop failed');
    }
    this.running = false;
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new VigilError('NOT_READY', 'detection engine stopped'));
    this.pending.clear();
  }

  /**
   * Hands a batch to the workers; never blocks (scoring happens off the event loop). Dropped when not running;
   * a worker's share is dropped while its backlog is full (see `maxBacklogSamples`).
   */
  push(tenant: string, batch: readonly SeriesSamples[]): void {
    if (!this.running) return;
    const parts = this.shard(tenant, batch);
    const excludedHosts = this.excludedHosts(tenant, batch);
    let posted = 0;
    let dropped = 0;
    parts.forEach((items, i) => {
      if (items.length === 0) return;
      let n = 0;
      for (const it of items) n += it.timestamps.length;
      const backlog = this.backlog[i] ?? 0;
      if (backlog > 0 && backlog + n > this.maxBacklog) {
        dropped += n;
        return;
      }
      this.backlog[i] = backlog + n;
      posted += n;
      this.inflight[i]?.push({ items, samples: n });
      const push = (this.labelsSent[i] as LabelsSent).pack(items);
      this.post(i, { type: 'push', tenant, push, ...(excludedHosts ? { excludedHosts } : {}) }, [
        push.counts.buffer,
        push.times.buffer,
        push.values.buffer,
      ]);
    });
    this.samples?.inc(posted);
    if (dropped > 0) this.onDropped(dropped);
  }

  /** Samples handed to the workers and not yet scored. */
  get backlogSamples(): number {
    return this.backlog.reduce((a, b) => a + b, 0);
  }

  /** Why new samples should wait (more than `behindAtSamples` wait to be scored), or null. */
  behind(): string | null {
    const n = this.backlogSamples;
    return n > this.behindAt ? `detection has ${n} samples waiting to be scored` : null;
  }

  private onDropped(n: number): void {
    this.dropped?.inc(n);
    const now = Date.now();
    if (now - this.lastDropWarning < 60_000) return;
    this.lastDropWarning = now;
    this.log.warn(
      { dropped: n, backlog: this.backlogSamples, maxBacklogSamples: this.maxBacklog },
      'detection is behind ingest: samples are stored but not scored (vigil_detect_samples_dropped_total)',
    );
  }

  /**
   * Warm start: feeds history (oldest first, before any live sample of those series) to the models without
   * emitting scores or anomalies; resolves when every worker has learnt its share.
   */
  async train(tenant: string, batch: readonly SeriesSamples[]): Promise<void> {
    this.ready();
    const parts = this.shard(tenant, batch);
    const excludedHosts = this.excludedHosts(tenant, batch);
    await Promise.all(
      parts.map((items, i) =>
        items.length > 0
          ? this.request(i, (id) => ({ type: 'train', id, tenant, items, ...(excludedHosts ? { excludedHosts } : {}) }))
          : undefined,
      ),
    );
  }

  /** Registers a listener for alert-level anomalies (severity warning or critical, never while learning). */
  onAnomaly(listener: (a: Anomaly) => void): void {
    this.anomalyListeners.push(listener);
  }

  /** Registers a listener for the per-sample scores and expected bands of every pushed batch. */
  onScores(listener: (tenant: string, scores: ScoredBatch) => void): void {
    this.scoreListeners.push(listener);
  }

  /** Registers a listener for host scores (store them with `hostScoreSeries` as `vigil_host_anomaly_score{host}`). */
  onHostScores(listener: (tenant: string, scores: HostScoredSeries[]) => void): void {
    this.hostScoreListeners.push(listener);
  }

  /** Tells a series' model that a time range was expected (widen its band) or an anomaly (narrow it). */
  async feedback(tenant: string, series: string, start: number, end: number, kind: 'expected' | 'anomaly'): Promise<void> {
    // The key alone does not say which worker holds the series (workers are chosen by host): ask them all.
    const found = await Promise.all(
      this.workers.map((_, i) => this.request(i, (id) => ({ type: 'feedback', id, tenant, series, start, end, kind }))),
    );
    if (!found.includes(true)) throw new VigilError('NOT_FOUND', `no detection model for series ${series}`);
  }

  /** Per-series model information (learning state, chosen baseline, band factor) of one tenant. */
  async models(tenant: string): Promise<ModelInfo[]> {
    this.ready();
    const parts = await Promise.all(this.workers.map((_, i) => this.request(i, (id) => ({ type: 'models', id, tenant }))));
    return (parts as ModelInfo[][]).flat().sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : 0));
  }

  /** Per-host multivariate model information (features, learning state, last fit) of one tenant. */
  async hosts(tenant: string): Promise<HostModelInfo[]> {
    this.ready();
    const parts = await Promise.all(this.workers.map((_, i) => this.request(i, (id) => ({ type: 'hosts', id, tenant }))));
    return (parts as HostModelInfo[][]).flat().sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  }

  /** Writes every model's state to `stateDir` now (atomically: temporary file then rename). */
  async save(): Promise<void> {
    if (this.stateDir === undefined || !this.running) return;
    const parts = (await Promise.all(this.workers.map((_, i) => this.request(i, (id) => ({ type: 'save', id }))))) as Array<{
      models: SavedModel[];
      hosts: SavedHostModel[];
    }>;
    const state: SavedState = { savedAt: this.clock.now(), models: parts.flatMap((p) => p.models), hosts: parts.flatMap((p) => p.hosts) };
    mkdirSync(this.stateDir, { recursive: true });
    const path = join(this.stateDir, MODEL_STATE_FILE);
    // Model state holds NaN (bins not seen yet, missing values): written as "NaN", not as null.
    writeFileSync(`${path}.tmp`, JSON.stringify(state, jsonFloatReplacer));
    renameSync(`${path}.tmp`, path);
    this.log.debug({ models: state.models.length, hosts: state.hosts?.length ?? 0 }, 'detection models saved');
  }

  private shard(tenant: string, batch: readonly SeriesSamples[]): WorkItem[][] {
    const parts: WorkItem[][] = this.workers.map(() => []);
    for (const input of batch) {
      // A staleness marker says the series ended; it is not a value to score (nor a missing one).
      const s = withoutStaleMarkers(input);
      const last = input.values.length - 1;
      const ended = last >= 0 && isStaleNaN(input.values[last] as number);
      if (s.timestamps.length === 0 && !ended) continue;
      const series = this.keyOf(s.labels);
      const item: WorkItem = { series, labels: s.labels, timestamps: s.timestamps, values: s.values };
      if (ended) item.endedAt = input.timestamps[last] as number;
      const ex = this.excluded(tenant, s);
      if (ex !== undefined) item.excluded = ex;
      parts[this.workerOf(routeKey(s.labels, series))]?.push(item);
    }
    return parts;
  }

  private keyOf(labels: Labels): string {
    if (!Object.isFrozen(labels)) return seriesKey(labels);
    let key = this.keys.get(labels);
    if (key === undefined) {
      key = seriesKey(labels);
      this.keys.set(labels, key);
    }
    return key;
  }

  private ready(): void {
    if (!this.running) throw new VigilError('NOT_READY', 'detection engine is not running');
  }

  private workerOf(key: string): number {
    return hash(key) % this.nWorkers;
  }

  /** Per host, the row times `excludeHost` keeps out of training; undefined when there are none. */
  private excludedHosts(tenant: string, batch: readonly SeriesSamples[]): ExcludedHostTimes | undefined {
    const f = this.excludeHost;
    if (f === undefined) return undefined;
    const seen = new Map<string, Map<number, boolean>>();
    let out: ExcludedHostTimes | undefined;
    for (const s of batch) {
      const host = s.labels.host;
      if (!host) continue;
      let times = seen.get(host);
      if (times === undefined) {
        times = new Map();
        seen.set(host, times);
      }
      for (const t of s.timestamps) {
        if (times.has(t)) continue;
        let ex = false;
        try {
          ex = f(tenant, host, t);
        } catch (e) {
          this.errors?.inc();
          this.log.error({ err: e }, 'detection excludeHost callback threw; row learnt from');
        }
        times.set(t, ex);
        if (ex) {
          out ??= {};
          const list = out[host] ?? [];
          list.push(t);
          out[host] = list;
        }
      }
    }
    return out;
  }

  /** Per-sample exclusion flags of one series, or undefined when no sample is excluded. */
  private excluded(tenant: string, s: SeriesSamples): Uint8Array | undefined {
    const f = this.exclude;
    if (f === undefined) return undefined;
    let out: Uint8Array | undefined;
    for (let i = 0; i < s.timestamps.length; i++) {
      let ex = false;
      try {
        ex = f(tenant, s.labels, s.timestamps[i] as number);
      } catch (e) {
        this.errors?.inc();
        this.log.error({ err: e }, 'detection exclude callback threw; sample learnt from');
      }
      if (ex) {
        out ??= new Uint8Array(s.timestamps.length);
        out[i] = 1;
      }
    }
    return out;
  }

  private readState(): SavedState {
    const none: SavedState = { savedAt: 0, models: [] };
    if (this.stateDir === undefined) return none;
    const path = join(this.stateDir, MODEL_STATE_FILE);
    if (!existsSync(path)) return none;
    try {
      return JSON.parse(readFileSync(path, 'utf8'), jsonFloatReviver) as SavedState;
    } catch (e) {
      this.log.error({ err: e, path }, 'detection model state unreadable; starting to learn afresh');
      return none;
    }
  }

  private spawn(index: number): Worker {
    const w = startWorker(siblingModule(import.meta.url, 'worker'));
    w.on('message', (m: FromWorker) => {
      // Pushes are answered in order, one message each; what a dead worker held is forgotten below.
      let items: WorkItem[] | undefined;
      if ((m.type === 'scored' || (m.type === 'error' && m.push === true)) && this.workers[index] === w) {
        const answered = this.inflight[index]?.shift();
        this.backlog[index] = Math.max(0, (this.backlog[index] ?? 0) - (answered?.samples ?? 0));
        items = answered?.items;
        // A failed push may have been one whose labels the worker did not have: send every series' labels again.
        if (m.type === 'error') this.labelsSent[index]?.reset();
      }
      this.onMessage(m, items);
    });
    // A worker that fails, or exits without failing, is replaced; what it had not scored is forgotten (so its
    // backlog cannot hold ingest back for good).
    const replace = () => {
      if (!this.running || this.workers[index] !== w) return;
      this.backlog[index] = 0;
      this.inflight[index] = [];
      this.labelsSent[index]?.reset();
      this.workers[index] = this.spawn(index);
    };
    w.on('error', (e) => {
      this.errors?.inc();
      this.log.error({ err: e, worker: index }, 'detection worker failed; restarting it');
      replace();
    });
    w.on('exit', (code) => {
      if (this.running && this.workers[index] === w) {
        this.errors?.inc();
        this.log.error({ worker: index, code }, 'detection worker exited; restarting it');
      }
      replace();
    });
    return w;
  }

  /** Handles a worker's message; `items` are those of the push it answers, if it answers one. */
  private onMessage(m: FromWorker, items: WorkItem[] | undefined): void {
    if (m.type === 'scored') {
      if (items !== undefined && this.scoreListeners.length > 0) {
        const scores = unpackScores(items, m.scores);
        for (const l of this.scoreListeners) this.safe(() => l(m.tenant, scores));
      }
      if (m.hosts.length > 0) for (const l of this.hostScoreListeners) this.safe(() => l(m.tenant, m.hosts));
      for (const a of m.anomalies) {
        this.anomalies?.inc({ severity: a.severity });
        this.log.info({ tenant: a.tenant, series: a.series, t: a.t, score: a.score, severity: a.severity, reason: a.reason }, 'anomaly');
        for (const l of this.anomalyListeners) this.safe(() => l(a));
      }
    } else if (m.type === 'reply') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m.result);
    } else {
      this.errors?.inc();
      this.log.error({ detail: m.message }, 'detection worker error');
    }
  }

  private safe(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.errors?.inc();
      this.log.error({ err: e }, 'detection listener threw');
    }
  }

  private post(i: number, m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.workers[i]?.postMessage(m, transfer);
  }

  private request(i: number, make: (id: number) => ToWorker): Promise<unknown> {
    if (!this.running) return Promise.reject(new VigilError('NOT_READY', 'detection engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post(i, make(id));
    });
  }
}

/** The series without its staleness markers (the same object when it has none). */
function withoutStaleMarkers(s: SeriesSamples): SeriesSamples {
  let i = s.values.findIndex(isStaleNaN);
  if (i < 0) return s;
  const timestamps: number[] = s.timestamps.slice(0, i);
  const values: number[] = s.values.slice(0, i);
  for (; i < s.values.length; i++) {
    const v = s.values[i]!;
    if (isStaleNaN(v)) continue;
    timestamps.push(s.timestamps[i]!);
    values.push(v);
  }
  return { labels: s.labels, timestamps, values };
}
