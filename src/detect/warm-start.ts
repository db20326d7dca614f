import { type Clock, type LabelMatcher, type Labels, type Logger, type SeriesSamples, seriesKey, systemClock } from '../core/index.js';
import type { Querier } from '../tsdb/index.js';
import { coreSource } from './host-features.js';
import { HOST_SCORE_METRIC } from './host-score.js';
import type { HostModelInfo, ModelInfo } from './protocol.js';

/** What warm start needs from the detection engine (`DetectionEngine` has it). */
export interface WarmStartTarget {
  models(tenant: string): Promise<ModelInfo[]>;
  hosts(tenant: string): Promise<HostModelInfo[]>;
  train(tenant: string, batch: readonly SeriesSamples[]): Promise<void>;
}

/** Options of `warmStart`. */
export interface WarmStartOptions {
  querier: Querier;
  target: WarmStartTarget;
  /** Tenants to warm (default only `default`). */
  tenants?: () => string[] | Promise<string[]>;
  logger: Logger;
  clock?: Clock;
  /** How far back a series or host without a model is read (default 26 h: the 24 h learning period and some). */
  lookbackMs?: number;
  /** Most series read per run, over all tenants (default 20,000); the rest learn from live samples. */
  maxSeries?: number;
  /** Densest history fed per series over the lookback: closer samples are thinned (default 20,000 samples). */
  maxSamplesPerSeries?: number;
  /** Samples per training batch, so each worker message is short and live samples are not held up (default 50,000). */
  batchSamples?: number;
  /** Progress is logged at most this often (default 10 s). */
  progressEveryMs?: number;
  /** Stops between batches when aborted (server shutdown). */
  signal?: AbortSignal;
}

/** What a warm start did. */
export interface WarmStartReport {
  groups: number;
  series: number;
  samples: number;
  ms: number;
  stopped: boolean;
}

/** Vigil's own derived series: stored scores and bands are never fed to detection. */
const DERIVED = new Set(['vigil_anomaly_score', 'vigil_expected_lower', 'vigil_expected_upper', HOST_SCORE_METRIC]);
const HOUR = 3600_000;

interface Planned {
  key: string;
  labels: Labels;
  /** Samples at or after this time are fed. */
  from: number;
}

interface Group {
  matchers: LabelMatcher[];
  series: Map<string, Planned>;
  from: number;
}

/**
 * Warm start from the store: trains the detection models from what the store already holds, so a new install or
 * a restart detects well at once. A series without a model is fed the last `lookbackMs`; one with a model only
 * what it has not seen (after its last sample: the minutes between the last save and a crash); the core series of
 * a host without a host model the whole lookback (their own models ignore samples they already saw). Series are
 * read host by host, in time slices sized to `batchSamples`, oldest first, and thinned to `maxSamplesPerSeries`.
 */
export async function warmStart(o: WarmStartOptions): Promise<WarmStartReport> {
  const clock = o.clock ?? systemClock;
  const started = clock.now();
  const lookback = o.lookbackMs ?? 26 * HOUR;
  const maxSeries = o.maxSeries ?? 20_000;
  const minGap = lookback / (o.maxSamplesPerSeries ?? 20_000);
  const batch = o.batchSamples ?? 50_000;
  const every = o.progressEveryMs ?? 10_000;
  const report: WarmStartReport = { groups: 0, series: 0, samples: 0, ms: 0, stopped: false };
  let lastLog = started;
  for (const tenant of await (o.tenants?.() ?? ['default'])) {
    const end = clock.now();
    const start = end - lookback;
    const groups = await plan(o, tenant, start, end, maxSeries - report.series);
    let g = 0;
    for (const group of groups) {
      g++;
      let sliceMs = HOUR;
      let a = group.from;
      const kept = new Map<string, number>();
      while (a <= end) {
        if (o.signal?.aborted) {
          report.stopped = true;
          break;
        }
        const b = Math.min(end, a + sliceMs - 1);
        const data = await o.querier.select(tenant, group.matchers, a, b);
        const out: SeriesSamples[] = [];
        let n = 0;
        for (const d of data) {
          const p = group.series.get(seriesKey(d.labels));
          if (p === undefined) continue;
          const timestamps: number[] = [];
          const values: number[] = [];
          let last = kept.get(p.key) ?? Number.NEGATIVE_INFINITY;
          for (let i = 0; i < d.timestamps.length; i++) {
            const t = d.timestamps[i] as number;
            if (t < p.from || t - last < minGap) continue;
            last = t;
            timestamps.push(t);
            values.push(d.values[i] as number);
          }
          kept.set(p.key, last);
          if (timestamps.length === 0) continue;
          n += timestamps.length;
          out.push({ labels: d.labels, timestamps, values });
        }
        if (out.length > 0) await o.target.train(tenant, out);
        report.samples += n;
        a = b + 1;
        // Size the next slice so a batch holds about `batch` samples.
        sliceMs = Math.min(24 * HOUR, Math.max(60_000, n > 0 ? (sliceMs * batch) / n : 2 * sliceMs));
        const now = clock.now();
        if (now - lastLog >= every) {
          lastLog = now;
          o.logger.info(
            { tenant, hosts: `${g}/${groups.length}`, series: report.series, samples: report.samples },
            'detection warm start progress',
          );
        }
      }
      if (report.stopped) break;
      report.groups++;
      report.series += group.series.size;
    }
    if (report.stopped) break;
  }
  report.ms = clock.now() - started;
  o.logger.info({ ...report }, report.stopped ? 'detection warm start stopped' : 'detection warm start done');
  return report;
}

/** Which series of a tenant to read, grouped by host (series without a host by name), and from when. */
async function plan(o: WarmStartOptions, tenant: string, start: number, end: number, budget: number): Promise<Group[]> {
  const known = new Map((await o.target.models(tenant)).map((m) => [m.series, m.lastT]));
  const hostKnown = new Set((await o.target.hosts(tenant)).filter((h) => h.samples > 0).map((h) => h.host));
  const groups = new Map<string, Group>();
  for (const ref of await o.querier.series(tenant, [], { start, end })) {
    const name = ref.labels.__name__ ?? '';
    if (DERIVED.has(name)) continue;
    const key = seriesKey(ref.labels);
    const host = ref.labels.host ?? '';
    const lastT = known.get(key);
    const needsHost = host !== '' && !hostKnown.has(host) && coreSource(ref.labels) !== null;
    const from = lastT === undefined || !Number.isFinite(lastT) || needsHost ? start : lastT + 1;
    if (from > end) continue;
    const gk = host !== '' ? `host\u0000${host}` : `name\u0000${name}`;
    let g = groups.get(gk);
    if (g === undefined) {
      g = {
        matchers: [host !== '' ? { name: 'host', op: '=', value: host } : { name: '__name__', op: '=', value: name }],
        series: new Map(),
        from,
      };
      groups.set(gk, g);
    }
    g.series.set(key, { key, labels: ref.labels, from });
    g.from = Math.min(g.from, from);
  }
  const out: Group[] = [];
  let n = 0;
  for (const g of groups.values()) {
    if (n + g.series.size > budget) continue;
    n += g.series.size;
    out.push(g);
  }
  if (out.length < groups.size)
    o.logger.warn(
      { tenant, groups: groups.size, warmed: out.length, maxSeries: o.maxSeries },
      'detection warm start bounded: some series will learn from live samples only',
    );
  return out;
}

/** A warm start running in the background: `stop()` makes it end after the current batch; `done` never rejects. */
export interface BackgroundWarmStart {
  done: Promise<WarmStartReport | null>;
  stop(): void;
}

/** Runs `warmStart` in the background; a failure is logged (the models then learn from live samples), never thrown. */
export function startWarmStart(o: Omit<WarmStartOptions, 'signal'>): BackgroundWarmStart {
  const ctrl = new AbortController();
  const done = warmStart({ ...o, signal: ctrl.signal }).catch((e: unknown) => {
    o.logger.error({ err: e }, 'detection warm start failed; models learn from live samples');
    return null;
  });
  return { done, stop: () => ctrl.abort() };
}
