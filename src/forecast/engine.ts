import type { Worker } from 'node:worker_threads';
import client, { type Registry } from 'prom-client';
import {
  type Clock,
  DEFAULT_TENANT,
  formatDuration,
  type LabelMatcher,
  type Labels,
  type Logger,
  matchesAll,
  parseSelector,
  seriesKey,
  siblingModule,
  startWorker,
  systemClock,
  VigilError,
} from '../core/index.js';
import type { Querier, SeriesData } from '../tsdb/index.js';
import type { CapacityLimit } from './config.js';
import type { Exhaustion, ExhaustionStatus } from './exhaustion.js';
import type { ForecastJob, ForecastJobResult, FromForecastWorker, ToForecastWorker } from './protocol.js';
import type { DetectedPeriod } from './seasonality.js';

/** Options of the forecast engine. */
export interface ForecastEngineOptions {
  querier: Querier;
  logger: Logger;
  registry?: Registry;
  /** How often every tenant's capacity series are forecast (default 5 min). */
  intervalMs?: number;
  /** How far ahead forecasts reach (default 7 d, at most 7 d). */
  horizonMs?: number;
  clock?: Clock;
  /** History read per series (default 14 d). */
  historyMs?: number;
  /** Most points per series (default 2016); the query step is chosen so the history fits. */
  maxPoints?: number;
  /** Series with a configured limit, beyond the built-in disk, inode, memory and swap series. */
  limits?: readonly CapacityLimit[];
  /** Tenants the periodic loop forecasts (default: the default tenant only). */
  tenants?: () => string[] | Promise<string[]>;
  /** Series per message to the worker (default 64). */
  batchSize?: number;
}

/** What kind of resource a capacity series measures. */
export type CapacityResource = 'disk' | 'inodes' | 'memory' | 'swap' | string;

/** A forecast of one series: point and 80% interval over the horizon, and for capacity series the time to exhaustion. */
export interface ForecastResult {
  tenant: string;
  /** Canonical key of the forecast series (`seriesKey(labels)`). */
  series: string;
  labels: Labels;
  resource: CapacityResource;
  host: string;
  /** When the forecast was computed (Unix ms). */
  generatedAt: number;
  /** Time of the last sample the forecast saw. */
  lastT: number;
  lastValue: number;
  stepMs: number;
  /** Timestamps of the forecast steps: lastT + step, lastT + 2·step, … */
  timestamps: number[];
  point: number[];
  lower: number[];
  upper: number[];
  /** Probability the interval is meant to cover. */
  level: number;
  periods: DetectedPeriod[];
  model: string;
  limit: number | null;
  exhaustion: Exhaustion | null;
}

/** One row of the capacity table: a host's resource, how full it is and when it fills. */
export interface CapacityRow {
  host: string;
  resource: CapacityResource;
  /** The mount point, device or series this row is about (empty for memory and swap). */
  target: string;
  series: string;
  labels: Labels;
  used: number;
  limit: number;
  usedRatio: number;
  status: ExhaustionStatus;
  etaMs: number | null;
  etaLowMs: number | null;
  etaHighMs: number | null;
  /** Absolute time of the expected crossing (Unix ms), null without an ETA. */
  etaAt: number | null;
  slopePerHour: number;
  reason: string;
  /** One line for people, e.g. "disk /var on db-3 fills in 5h 40m (4h – 7h)". */
  summary: string;
}

interface BuiltIn {
  resource: string;
  name: string;
  total: string;
  free: string;
}

/** Capacity series derived from node_exporter-style pairs: used = total − free, limit = total. */
const BUILT_IN: readonly BuiltIn[] = [
  { resource: 'disk', name: 'node_filesystem_used_bytes', total: 'node_filesystem_size_bytes', free: 'node_filesystem_avail_bytes' },
  { resource: 'inodes', name: 'node_filesystem_files_used', total: 'node_filesystem_files', free: 'node_filesystem_files_free' },
  { resource: 'memory', name: 'node_memory_used_bytes', total: 'node_memory_MemTotal_bytes', free: 'node_memory_MemAvailable_bytes' },
  { resource: 'swap', name: 'node_memory_SwapUsed_bytes', total: 'node_memory_SwapTotal_bytes', free: 'node_memory_SwapFree_bytes' },
];

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Query steps that divide an hour or a day evenly, so daily and weekly cycles fall on whole steps. */
const STEP_LADDER = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * MINUTE);

interface PendingJob {
  job: ForecastJob;
  resource: string;
  host: string;
  lastValue: number;
}

/**
 * Periodically forecasts every capacity series of every tenant in a worker thread and keeps the latest
 * results in memory for the API, the query API and alerting. Queries run on the event loop (they are
 * asynchronous); all model fitting runs in the worker, one batch of series per message.
 */
export class ForecastEngine {
  private readonly querier: Querier;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly horizonMs: number;
  private readonly historyMs: number;
  private readonly maxPoints: number;
  private readonly limits: readonly CapacityLimit[];
  private readonly tenants: () => string[] | Promise<string[]>;
  private readonly batchSize: number;
  private readonly results = new Map<string, Map<string, ForecastResult>>();
  private readonly listeners: ((tenant: string, r: ForecastResult) => void)[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pending = new Map<number, { resolve: (r: ForecastJobResult[]) => void; reject: (e: Error) => void }>();
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private nextId = 1;
  private readonly runs: client.Counter | undefined;
  private readonly errors: client.Counter | undefined;
  private readonly seriesGauge: client.Gauge | undefined;
  private readonly duration: client.Histogram | undefined;

  constructor(o: ForecastEngineOptions) {
    this.querier = o.querier;
    this.log = o.logger;
    this.clock = o.clock ?? systemClock;
    this.intervalMs = o.intervalMs ?? 5 * MINUTE;
    this.horizonMs = Math.min(o.horizonMs ?? 7 * DAY, 7 * DAY);
    this.historyMs = o.historyMs ?? 14 * DAY;
    this.maxPoints = o.maxPoints ?? 2016;
    this.limits = o.limits ?? [];
    for (const l of this.limits) parseSelector(l.selector);
    this.tenants = o.tenants ?? (() => [DEFAULT_TENANT]);
    this.batchSize = o.batchSize ?? 64;
    if (o.registry !== undefined) {
      const registers = [o.registry];
      this.runs = new client.Counter({ name: 'vigil_forecast_runs_total', help: 'Forecast runs completed, per tenant run.', registers });
      this.errors = new client.Counter({ name: 'vigil_forecast_errors_total', help: 'Forecast runs or series that failed.', registers });
      this.seriesGauge = new client.Gauge({ name: 'vigil_forecast_series', help: 'Series with a current forecast.', registers });
      this.duration = new client.Histogram({
        name: 'vigil_forecast_run_seconds',
        help: 'Wall time of one tenant forecast run.',
        buckets: [0.1, 0.5, 1, 5, 15, 60, 300],
        registers,
      });
    }
  }

  /** Starts the worker and the periodic loop (the first run starts at once). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.ensureWorker();
    const tick = (): void => {
      this.runAll().catch((e: unknown) => {
        this.errors?.inc();
        this.log.error({ err: e }, 'forecast run failed');
      });
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
  }

  /** Stops the loop, waits for runs in flight and ends the worker. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight.values()]);
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new VigilError('NOT_READY', 'forecast engine stopped'));
    this.pending.clear();
    if (w !== undefined) await w.terminate();
  }

  /** Forecasts every capacity series of one tenant now; concurrent calls for the same tenant share one run. */
  runOnce(tenant: string): Promise<void> {
    const existing = this.inFlight.get(tenant);
    if (existing !== undefined) return existing;
    const p = this.run(tenant).finally(() => this.inFlight.delete(tenant));
    this.inFlight.set(tenant, p);
    return p;
  }

  /** The latest forecasts of a tenant, optionally only series matching a selector or equal to a series key. */
  forecasts(tenant: string, series?: string): ForecastResult[] {
    const all = [...(this.results.get(tenant)?.values() ?? [])];
    if (series === undefined || series === '') return all;
    const exact = all.filter((r) => r.series === series);
    if (exact.length > 0) return exact;
    let matchers: LabelMatcher[];
    try {
      matchers = parseSelector(series);
    } catch (e) {
      throw new VigilError('BAD_QUERY', `series: ${e instanceof Error ? e.message : String(e)}`);
    }
    return all.filter((r) => matchesAll(r.labels, matchers));
  }

  /** Every host × resource with a limit, ranked: full first, then by time to exhaustion, then by how full. */
  capacity(tenant: string): CapacityRow[] {
    const rows: CapacityRow[] = [];
    for (const r of this.results.get(tenant)?.values() ?? []) {
      if (r.limit === null || r.exhaustion === null) continue;
      const e = r.exhaustion;
      const target = r.labels.mountpoint ?? r.labels.device ?? (r.resource === 'memory' || r.resource === 'swap' ? '' : r.series);
      rows.push({
        host: r.host,
        resource: r.resource,
        target,
        series: r.series,
        labels: r.labels,
        used: r.lastValue,
        limit: r.limit,
        usedRatio: r.limit > 0 ? r.lastValue / r.limit : 0,
        status: e.status,
        etaMs: e.etaMs,
        etaLowMs: e.etaLowMs,
        etaHighMs: e.etaHighMs,
        etaAt: e.etaMs === null ? null : r.lastT + e.etaMs,
        slopePerHour: e.slopePerHour,
        reason: e.reason,
        summary: capacitySummary(r.resource, target, r.host, e),
      });
    }
    const rank = (row: CapacityRow): number => (row.status === 'full' ? -1 : (row.etaMs ?? Number.POSITIVE_INFINITY));
    return rows.sort((a, b) => rank(a) - rank(b) || b.usedRatio - a.usedRatio || a.series.localeCompare(b.series));
  }

  /** Calls `listener` with every new forecast. */
  onForecast(listener: (tenant: string, r: ForecastResult) => void): void {
    this.listeners.push(listener);
  }

  private async runAll(): Promise<void> {
    for (const t of await this.tenants()) {
      if (!this.running) return;
      await this.runOnce(t);
    }
  }

  private async run(tenant: string): Promise<void> {
    const started = performance.now();
    const now = this.clock.now();
    const step = STEP_LADDER.find((s) => this.historyMs / s <= this.maxPoints) ?? Math.ceil(this.historyMs / this.maxPoints / DAY) * DAY;
    const end = Math.floor(now / step) * step;
    const start = end - (Math.min(this.maxPoints, Math.floor(this.historyMs / step)) - 1) * step;
    const jobs = await this.collect(tenant, start, end, step);
    const fresh = new Map<string, ForecastResult>();
    for (let i = 0; i < jobs.length; i += this.batchSize) {
      const batch = jobs.slice(i, i + this.batchSize);
      const results = await this.compute(batch.map((b) => b.job));
      results.forEach((res, k) => {
        const pj = batch[k] as PendingJob;
        if (res.error !== undefined) {
          this.errors?.inc();
          this.log.warn({ tenant, series: res.series, err: res.error }, 'forecast failed for one series');
          return;
        }
        const r: ForecastResult = {
          tenant,
          series: pj.job.series,
          labels: pj.job.labels,
          resource: pj.resource,
          host: pj.host,
          generatedAt: now,
          lastT: pj.job.endTime,
          lastValue: pj.lastValue,
          stepMs: res.stepMs,
          timestamps: res.point.map((_, j) => pj.job.endTime + (j + 1) * res.stepMs),
          point: res.point,
          lower: res.lower,
          upper: res.upper,
          level: 0.8,
          periods: res.periods,
          model: res.model,
          limit: pj.job.limit,
          exhaustion: res.exhaustion,
        };
        fresh.set(r.series, r);
        for (const l of this.listeners) {
          try {
            l(tenant, r);
          } catch (e) {
            this.log.error({ err: e }, 'forecast listener failed');
          }
        }
      });
    }
    this.results.set(tenant, fresh);
    let total = 0;
    for (const m of this.results.values()) total += m.size;
    this.seriesGauge?.set(total);
    this.runs?.inc();
    this.duration?.observe((performance.now() - started) / 1000);
    this.log.debug({ tenant, series: fresh.size, ms: Math.round(performance.now() - started) }, 'forecast run done');
  }

  private async collect(tenant: string, start: number, end: number, step: number): Promise<PendingJob[]> {
    const q = { start, end, step, agg: 'avg' as const };
    const size = Math.round((end - start) / step) + 1;
    const horizon = Math.max(1, Math.round(this.horizonMs / step));
    const jobs: PendingJob[] = [];
    const seen = new Set<string>();
    for (const b of BUILT_IN) {
      const [totals, frees] = await Promise.all([
        this.querier.selectStep(tenant, [{ name: '__name__', op: '=', value: b.total }], q),
        this.querier.selectStep(tenant, [{ name: '__name__', op: '=', value: b.free }], q),
      ]);
      const freeByKey = new Map<string, SeriesData>();
      for (const f of frees) freeByKey.set(keyWithoutName(f.labels), f);
      for (const t of totals) {
        const f = freeByKey.get(keyWithoutName(t.labels));
        if (f === undefined) continue;
        const total = onGrid(t, start, step, size);
        const free = onGrid(f, start, step, size);
        const used = total.map((v, i) => v - (free[i] as number));
        const limit = lastFinite(total);
        if (!(limit > 0)) continue;
        const labels: Labels = { ...t.labels, __name__: b.name };
        const job = this.job(labels, used, start, step, horizon, limit, b.resource);
        if (job !== null && !seen.has(job.job.series)) {
          seen.add(job.job.series);
          jobs.push(job);
        }
      }
    }
    for (const l of this.limits) {
      const data = await this.querier.selectStep(tenant, parseSelector(l.selector), q);
      for (const s of data) {
        const job = this.job(
          s.labels,
          onGrid(s, start, step, size),
          start,
          step,
          horizon,
          l.limit,
          l.resource ?? s.labels.__name__ ?? 'custom',
        );
        if (job !== null && !seen.has(job.job.series)) {
          seen.add(job.job.series);
          jobs.push(job);
        }
      }
    }
    return jobs;
  }

  private job(
    labels: Labels,
    values: number[],
    start: number,
    step: number,
    horizon: number,
    limit: number,
    resource: string,
  ): PendingJob | null {
    let lastIdx = values.length - 1;
    while (lastIdx >= 0 && !Number.isFinite(values[lastIdx] as number)) lastIdx--;
    if (lastIdx < 0) return null;
    const trimmed = values.slice(0, lastIdx + 1);
    const series = seriesKey(labels);
    const endTime = start + lastIdx * step;
    return {
      job: { series, labels, values: trimmed, stepMs: step, endTime, horizon, limit },
      resource,
      host: labels.host ?? labels.instance ?? '',
      lastValue: values[lastIdx] as number,
    };
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = startWorker(siblingModule(import.meta.url, 'worker'));
    w.on('message', (m: FromForecastWorker) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.type === 'done') p.resolve(m.results);
      else p.reject(new VigilError('INTERNAL', `forecast worker: ${m.message}`));
    });
    w.on('error', (e) => {
      this.errors?.inc();
      this.log.error({ err: e }, 'forecast worker failed; restarting it');
      for (const p of this.pending.values()) p.reject(new VigilError('INTERNAL', 'forecast worker failed', { cause: e }));
      this.pending.clear();
      if (this.worker === w) this.worker = undefined;
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private compute(jobs: ForecastJob[]): Promise<ForecastJobResult[]> {
    const w = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToForecastWorker = { type: 'run', id, jobs, maxPoints: this.maxPoints };
      w.postMessage(msg);
    });
  }
}

function keyWithoutName(labels: Labels): string {
  const { __name__: _, ...rest } = labels;
  return seriesKey(rest);
}

/** Places step-query output on the grid start, start+step, …; missing buckets are NaN. */
function onGrid(s: SeriesData, start: number, step: number, size: number): number[] {
  const out = new Array<number>(size).fill(Number.NaN);
  for (let i = 0; i < s.timestamps.length; i++) {
    const k = Math.round(((s.timestamps[i] as number) - start) / step);
    if (k >= 0 && k < size) out[k] = s.values[i] as number;
  }
  return out;
}

function lastFinite(xs: number[]): number {
  for (let i = xs.length - 1; i >= 0; i--) if (Number.isFinite(xs[i] as number)) return xs[i] as number;
  return Number.NaN;
}

/** "disk /var on db-3 fills in 5h 40m (4h – 7h)", or why there is no ETA. */
export function capacitySummary(resource: string, target: string, host: string, e: Exhaustion): string {
  const what = `${resource}${target ? ` ${target}` : ''}${host ? ` on ${host}` : ''}`;
  if (e.status === 'full') return `${what} is full`;
  if (e.status !== 'filling' || e.etaMs === null) return `${what}: no ETA (${e.reason})`;
  const low = e.etaLowMs === null ? '?' : formatDuration(e.etaLowMs);
  const high = e.etaHighMs === null ? 'never' : formatDuration(e.etaHighMs);
  return `${what} fills in ${formatDuration(e.etaMs)} (${low} – ${high})`;
}
