import type { Counter, Registry } from 'prom-client';
import client from 'prom-client';
import { type Config, isVigilError, type Labels, type Logger, type SeriesSamples, seriesKey } from '../../core/index.js';
import type { IngestPipeline } from '../pipeline.js';
import { type ExpositionSample, formatFromContentType, parseExposition } from './exposition.js';

/** One scrape job as the validated `scrape.jobs` config section gives it (durations in ms). */
export type ScrapeJob = Config['scrape']['jobs'][number];

/** Options for the scraper. */
export interface ScraperOptions {
  pipeline: IngestPipeline;
  logger: Logger;
  registry: Registry;
  jobs: readonly ScrapeJob[];
  /** Largest exposition body read from one target, in bytes (default 32 MiB); larger scrapes fail. */
  bodyLimit?: number;
  /** Largest number of samples one scrape may yield (default 1,000,000); more fails the scrape, as Prometheus' sample_limit. */
  sampleLimit?: number;
  /** Clock for scrape timestamps (default Date.now). */
  now?: () => number;
}

/** Health of one target after its latest scrape, for the API and the dashboard. */
export interface TargetStatus {
  job: string;
  instance: string;
  url: string;
  health: 'up' | 'down' | 'unknown';
  lastScrape: number | null;
  lastDurationSeconds: number | null;
  lastError: string | null;
  lastSamples: number;
}

/** What one scrape did. */
export interface ScrapeOutcome {
  up: boolean;
  durationSeconds: number;
  samples: number;
  accepted: number;
  error: string | null;
}

const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

interface Target {
  job: ScrapeJob;
  instance: string;
  url: string;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  status: TargetStatus;
}

function buildTargets(jobs: readonly ScrapeJob[]): Target[] {
  const out: Target[] = [];
  for (const job of jobs) {
    for (const instance of job.targets) {
      const url = `${job.scheme}://${instance}${job.path}`;
      const status: TargetStatus = {
        job: job.job,
        instance,
        url,
        health: 'unknown',
        lastScrape: null,
        lastDurationSeconds: null,
        lastError: null,
        lastSamples: 0,
      };
      out.push({ job, instance, url, timer: null, running: null, status });
    }
  }
  return out;
}

/** Spreads targets over the interval so they are not all scraped at once (stable per target, as Prometheus does). */
function offsetFor(url: string, interval: number): number {
  let h = 2166136261;
  for (let i = 0; i < url.length; i++) h = Math.imul(h ^ url.charCodeAt(i), 16777619);
  return (h >>> 0) % Math.max(1, interval);
}

/**
 * Pulls Prometheus exposition (text 0.0.4 or OpenMetrics) from the configured targets on their interval
 * and writes the samples through the pipeline, with `job`, `instance` and the job's labels, plus `up`,
 * `scrape_duration_seconds` and `scrape_samples_scraped` per target as Prometheus writes them. A failing
 * target is logged, counted in `vigil_scrapes_total` and reported with `up` 0; the loop goes on.
 */
export class Scraper {
  private readonly opts: Required<Omit<ScraperOptions, 'jobs'>>;
  private targetsList: Target[];
  private readonly scrapes: Counter<'job' | 'outcome'>;
  private started = false;

  constructor(opts: ScraperOptions) {
    this.opts = {
      pipeline: opts.pipeline,
      logger: opts.logger,
      registry: opts.registry,
      bodyLimit: opts.bodyLimit ?? 32 * 1024 * 1024,
      sampleLimit: opts.sampleLimit ?? 1_000_000,
      now: opts.now ?? Date.now,
    };
    this.targetsList = buildTargets(opts.jobs);
    const existing = opts.registry.getSingleMetric('vigil_scrapes_total');
    this.scrapes =
      (existing as Counter<'job' | 'outcome'> | undefined) ??
      new client.Counter({
        name: 'vigil_scrapes_total',
        help: 'Scrapes of exposition targets, by job and outcome (ok, failed, rejected).',
        labelNames: ['job', 'outcome'],
        registers: [opts.registry],
      });
  }

  /** Starts one loop per target, each first firing at a stable offset within its interval. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const t of this.targetsList) {
      const interval = t.job.interval;
      const first = offsetFor(t.url, interval);
      const tick = (due: number) => {
        if (!this.started) return;
        // A scrape still writing when the next is due is not overlapped; that tick is skipped.
        if (t.running === null) {
          const p: Promise<void> = this.scrapeTarget(t).then(
            () => undefined,
            (e: unknown) => this.opts.logger.error({ err: e, job: t.job.job, instance: t.instance }, 'scrape loop error'),
          );
          t.running = p;
          void p.finally(() => {
            if (t.running === p) t.running = null;
          });
        }
        let next = due + interval;
        const now = Date.now();
        if (next < now) next = now + interval - ((now - due) % interval);
        t.timer = setTimeout(() => tick(next), next - now);
      };
      const due = Date.now() + first;
      t.timer = setTimeout(() => tick(due), first);
    }
    this.opts.logger.info({ targets: this.targetsList.length }, 'scraper started');
  }

  /** Stops every loop and waits for scrapes in flight to finish. */
  async stop(): Promise<void> {
    this.started = false;
    const running: Promise<void>[] = [];
    for (const t of this.targetsList) {
      if (t.timer !== null) clearTimeout(t.timer);
      t.timer = null;
      if (t.running !== null) running.push(t.running);
    }
    await Promise.allSettled(running);
  }

  /** Replaces the jobs (after a config reload): stops the current loops, waits for scrapes in flight, and restarts if running. */
  async reload(jobs: readonly ScrapeJob[]): Promise<void> {
    const wasStarted = this.started;
    await this.stop();
    this.targetsList = buildTargets(jobs);
    if (wasStarted) this.start();
  }

  /** Health of every target. */
  targets(): TargetStatus[] {
    return this.targetsList.map((t) => ({ ...t.status }));
  }

  /** Scrapes every target once now (used by tests and `vigil` one-shot tools); resolves when all are written. */
  async scrapeAll(): Promise<ScrapeOutcome[]> {
    return Promise.all(this.targetsList.map((t) => this.scrapeTarget(t)));
  }

  private targetLabels(t: Target): Labels {
    const labels: Labels = { ...t.job.labels, job: t.job.job, instance: t.instance };
    return labels;
  }

  private async fetchBody(t: Target): Promise<{ text: string; contentType: string | null }> {
    const headers: Record<string, string> = {
      accept: ACCEPT,
      'user-agent': 'Vigil-scraper',
      'x-prometheus-scrape-timeout-seconds': String(t.job.timeout / 1000),
    };
    if (t.job.basicAuth !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${t.job.basicAuth.username}:${t.job.basicAuth.password}`).toString('base64')}`;
    } else if (t.job.bearerToken !== undefined) headers.authorization = `Bearer ${t.job.bearerToken}`;
    const res = await fetch(t.url, { headers, signal: AbortSignal.timeout(t.job.timeout), redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`server returned HTTP status ${res.status}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body !== null) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > this.opts.bodyLimit) {
          await reader.cancel().catch(() => {});
          throw new Error(`body larger than ${this.opts.bodyLimit} bytes`);
        }
        chunks.push(value);
      }
    }
    return { text: Buffer.concat(chunks).toString('utf8'), contentType: res.headers.get('content-type') };
  }

  private toSeries(t: Target, samples: readonly ExpositionSample[], scrapeTime: number): SeriesSamples[] {
    const target = this.targetLabels(t);
    const bySeries = new Map<string, SeriesSamples>();
    for (const s of samples) {
      const labels: Labels = {};
      for (const [k, v] of Object.entries(s.labels)) {
        if (k !== '__name__' && Object.hasOwn(target, k) && !t.job.honorLabels) {
          labels[`exported_${k}`] = v;
        } else labels[k] = v;
      }
      for (const [k, v] of Object.entries(target)) {
        if (v === '') continue;
        if (t.job.honorLabels && Object.hasOwn(s.labels, k)) continue;
        labels[k] = v;
      }
      const key = seriesKey(labels);
      let series = bySeries.get(key);
      if (series === undefined) {
        series = { labels, timestamps: [], values: [] };
        bySeries.set(key, series);
      }
      series.timestamps.push(t.job.honorTimestamps && s.timestamp !== null ? s.timestamp : scrapeTime);
      series.values.push(s.value);
    }
    return [...bySeries.values()];
  }

  private async scrapeTarget(t: Target): Promise<ScrapeOutcome> {
    const start = this.opts.now();
    const t0 = performance.now();
    let up = false;
    let error: string | null = null;
    let series: SeriesSamples[] = [];
    let sampleCount = 0;
    try {
      const { text, contentType } = await this.fetchBody(t);
      const parsed = parseExposition(text, formatFromContentType(contentType));
      if (parsed.samples.length > this.opts.sampleLimit) {
        throw new Error(`sample limit exceeded: ${parsed.samples.length} > ${this.opts.sampleLimit}`);
      }
      if (parsed.errors.length > 0 && parsed.samples.length === 0) {
        const first = parsed.errors[0] as { line: number; message: string };
        throw new Error(`unreadable exposition: line ${first.line}: ${first.message}`);
      }
      if (parsed.errors.length > 0) {
        this.opts.logger.warn({ job: t.job.job, instance: t.instance, errors: parsed.errors.slice(0, 5) }, 'scrape had unreadable lines');
      }
      series = this.toSeries(t, parsed.samples, start);
      sampleCount = parsed.samples.length;
      up = true;
    } catch (e) {
      const err = e as Error;
      error = err.name === 'TimeoutError' ? `scrape timed out after ${t.job.timeout / 1000}s` : err.message;
    }
    const durationSeconds = (performance.now() - t0) / 1000;
    const target = this.targetLabels(t);
    const meta = (name: string, v: number): SeriesSamples => ({ labels: { ...target, __name__: name }, timestamps: [start], values: [v] });
    series.push(meta('up', up ? 1 : 0), meta('scrape_duration_seconds', durationSeconds), meta('scrape_samples_scraped', sampleCount));
    let accepted = 0;
    let outcome = up ? 'ok' : 'failed';
    try {
      // A refused scrape cannot be sent again: detection falling behind does not turn it away (ADR 0010).
      const result = await this.opts.pipeline.write(t.job.tenant, series, 'scrape', { cannotRetry: true });
      accepted = result.accepted;
      if (result.rejected.length > 0) {
        this.opts.logger.debug({ job: t.job.job, instance: t.instance, rejected: result.rejected.length }, 'scrape samples rejected');
      }
    } catch (e) {
      outcome = 'rejected';
      const msg = isVigilError(e) ? `${e.code}: ${e.message}` : String(e);
      error = error ?? `samples not stored: ${msg}`;
      this.opts.logger.warn({ job: t.job.job, instance: t.instance, err: msg }, 'scrape samples not stored');
    }
    if (error !== null && up) this.opts.logger.debug({ job: t.job.job, instance: t.instance, error }, 'scrape stored nothing');
    if (!up) this.opts.logger.warn({ job: t.job.job, instance: t.instance, error }, 'scrape failed');
    this.scrapes.inc({ job: t.job.job, outcome });
    t.status = {
      ...t.status,
      health: up ? 'up' : 'down',
      lastScrape: start,
      lastDurationSeconds: durationSeconds,
      lastError: error,
      lastSamples: sampleCount,
    };
    return { up, durationSeconds, samples: sampleCount, accepted, error };
  }
}
