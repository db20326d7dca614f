import { type Anomaly, seriesKey } from '../core/index.js';
import { isGoodNews } from './direction.js';
import type { HostFeatureMode } from './host-features.js';
import type { HostModelSettings } from './host-model.js';
import { HOST_SCORE_METRIC, type HostScoredSeries } from './host-score.js';
import { type HostRow, HostTracker } from './host-tracker.js';
import { DEFAULT_DETECTOR_SETTINGS, inferKind, SeriesModel } from './model.js';
import { roundBand, roundScore } from './precision.js';
import type { HostModelInfo, ModelInfo, SavedHostModel, SavedModel, ScoredBatch, WorkItem } from './protocol.js';

/** Options of a detection shard. */
export interface DetectionShardOptions {
  /** Which series feed each host's multivariate model (default `core`, as in live detection). */
  hostFeatures?: HostFeatureMode;
  /** Settings of the host models (default the production defaults). */
  hostSettings?: Partial<HostModelSettings>;
}

/** Options of one `push` or `train`. */
export interface ShardPushOptions {
  /** Rows of a host at a time for which this is true are scored but not learnt (acknowledged incidents). */
  excludeHost?: (host: string, t: number) => boolean;
  /** Close every host's newest row at the end of the push (the batch holds whole rows, as `vigil detect --host` sends). */
  closeRows?: boolean;
}

/** What one push yields: per-sample scores, host scores and alert-level anomalies (series and hosts). */
export interface ShardPushResult {
  scores: ScoredBatch;
  hosts: HostScoredSeries[];
  anomalies: Anomaly[];
}

interface Entry {
  model: SeriesModel;
  labels: WorkItem['labels'];
  /** Key of its host's tracker (tenant and host; empty without a host label). */
  hostKey: string;
  /** The host tracker this series is attached to, and its slot there; re-attached when trackers were replaced since `gen`. */
  tracker: HostTracker | undefined;
  slot: number;
  gen: number;
}

/** The models of one shard of series and hosts (what one worker thread owns), usable in-process too. */
export class DetectionShard {
  /** Series models by tenant, then series key (two lookups instead of one on a concatenated key: no string built per item). */
  private readonly models = new Map<string, Map<string, Entry>>();
  private readonly hosts = new Map<string, HostTracker>();
  private readonly mode: HostFeatureMode;
  private readonly hostSettings: Partial<HostModelSettings> | undefined;
  /** Bumped whenever a host tracker is replaced, so series re-attach. */
  private gen = 0;
  private pushes = 0;

  constructor(opts: DetectionShardOptions = {}) {
    this.mode = opts.hostFeatures ?? 'core';
    this.hostSettings = opts.hostSettings;
  }

  private key(tenant: string, name: string): string {
    return `${tenant}\u0000${name}`;
  }

  /** Scores a batch of one tenant; returns per-sample scores, host scores and the alert-level anomalies. */
  push(tenant: string, items: readonly WorkItem[], opts: ShardPushOptions = {}): ShardPushResult {
    return this.run(tenant, items, opts, false);
  }

  /**
   * Warm start: learns from history without reporting anything. A model that has only seen data newer than
   * this history (created by live samples while history was being read) is replaced by one learnt from it.
   * Returns the number of samples.
   */
  train(tenant: string, items: readonly WorkItem[], opts: Omit<ShardPushOptions, 'closeRows'> = {}): number {
    const newest = new Map<string, number>();
    let n = 0;
    for (const item of items) {
      const last = item.timestamps.at(-1);
      if (last === undefined) continue;
      n += item.timestamps.length;
      const e = this.models.get(tenant)?.get(item.series);
      if (e !== undefined && firstSeen(e.model) > last) this.models.get(tenant)?.delete(item.series);
      const host = item.labels.host;
      if (host) newest.set(host, Math.max(newest.get(host) ?? Number.NEGATIVE_INFINITY, last));
    }
    for (const [host, last] of newest) {
      const k = this.key(tenant, host);
      const tr = this.hosts.get(k);
      if (tr !== undefined && tr.firstT > last) {
        this.hosts.delete(k);
        this.gen++;
      }
    }
    this.run(tenant, items, { ...opts, closeRows: true }, true);
    return n;
  }

  private run(tenant: string, items: readonly WorkItem[], opts: ShardPushOptions, training: boolean): ShardPushResult {
    const scores: ScoredBatch = [];
    const anomalies: Anomaly[] = [];
    const touched: Array<[HostTracker, string]> = [];
    const seq = ++this.pushes;
    const models = this.tenantModels(tenant);
    for (const item of items) {
      if (item.timestamps.length === 0) {
        // Only an end (a staleness marker): nothing to score or learn. It is passed on for a series this shard has
        // scored (whose score series it ends); a series known only by markers gets no model and no score series.
        const e = models.get(item.series);
        if (item.endedAt !== undefined && e !== undefined) {
          const { series, labels, endedAt } = item;
          scores.push({
            series,
            labels,
            timestamps: [],
            scores: [],
            lower: [],
            upper: [],
            learning: e.model.learningInfo().learning,
            endedAt,
          });
        }
        continue;
      }
      let e = models.get(item.series);
      if (e === undefined) {
        e = this.entry(tenant, new SeriesModel({ kind: inferKind(item.labels) }), item.labels);
        models.set(item.series, e);
      }
      let tracker = e.tracker;
      if (e.hostKey !== '' && (tracker === undefined || e.gen !== this.gen)) {
        tracker = this.tracker(e.hostKey);
        if (e.tracker !== tracker) e.slot = tracker.attach(item.series, item.labels);
        e.tracker = tracker;
        e.gen = this.gen;
      }
      if (tracker !== undefined && tracker.mark !== seq) {
        tracker.mark = seq;
        touched.push([tracker, item.labels.host as string]);
      }
      const n = item.timestamps.length;
      const out = {
        series: item.series,
        labels: item.labels,
        timestamps: item.timestamps,
        scores: new Array<number>(n),
        lower: new Array<number>(n),
        upper: new Array<number>(n),
        learning: true,
      };
      for (let i = 0; i < n; i++) {
        const t = item.timestamps[i] as number;
        const v = item.values[i] as number;
        const skip = item.excluded !== undefined && item.excluded[i] === 1;
        const r = e.model.update(t, v, !skip);
        tracker?.observe(e.slot, t, v, r.score, skip);
        // What is stored and charted, rounded (precision.ts); the anomaly below keeps the exact values.
        out.scores[i] = roundScore(r.score);
        out.lower[i] = roundBand(r.expected[0]);
        out.upper[i] = roundBand(r.expected[1]);
        out.learning = r.learning;
        if (r.severity !== 'info' && !skip && !training && !isGoodNews(item.labels, v, r.expected)) {
          anomalies.push({
            tenant,
            series: item.series,
            labels: item.labels,
            t,
            value: v,
            score: r.score,
            severity: r.severity,
            expected: r.expected,
            detectors: r.detectors,
            reason: r.reason,
          });
        }
      }
      scores.push(item.endedAt === undefined ? out : { ...out, endedAt: item.endedAt });
    }
    const hosts: HostScoredSeries[] = [];
    for (const [tracker, host] of touched) {
      const ex = opts.excludeHost;
      const rows = tracker.close(opts.closeRows === true, ex === undefined ? undefined : (t) => ex(host, t));
      if (training || rows.length === 0) continue;
      hosts.push({
        host,
        timestamps: rows.map((r) => r.t),
        scores: rows.map((r) => r.score),
        learning: tracker.model.learning,
      });
      for (const row of rows) {
        const a = hostAnomaly(tenant, host, row);
        if (a !== null) anomalies.push(a);
      }
    }
    return { scores, hosts, anomalies };
  }

  private tenantModels(tenant: string): Map<string, Entry> {
    let m = this.models.get(tenant);
    if (m === undefined) {
      m = new Map();
      this.models.set(tenant, m);
    }
    return m;
  }

  private entry(tenant: string, model: SeriesModel, labels: WorkItem['labels']): Entry {
    return { model, labels, hostKey: labels.host ? this.key(tenant, labels.host) : '', tracker: undefined, slot: -1, gen: this.gen };
  }

  private tracker(hostKey: string): HostTracker {
    let tr = this.hosts.get(hostKey);
    if (tr === undefined) {
      tr = new HostTracker({ mode: this.mode, decades: DEFAULT_DETECTOR_SETTINGS.scoreDecades, ...this.settings() });
      this.hosts.set(hostKey, tr);
    }
    return tr;
  }

  private settings(): { settings?: Partial<HostModelSettings> } {
    return this.hostSettings === undefined ? {} : { settings: this.hostSettings };
  }

  /** Applies feedback to one series; returns false when the series is unknown. */
  feedback(tenant: string, series: string, start: number, end: number, kind: 'expected' | 'anomaly'): boolean {
    const e = this.models.get(tenant)?.get(series);
    if (e === undefined) return false;
    e.model.feedback(start, end, kind);
    return true;
  }

  /** Describes every model of a tenant. */
  list(tenant: string): ModelInfo[] {
    const out: ModelInfo[] = [];
    for (const [series, e] of this.models.get(tenant) ?? []) out.push({ series, labels: e.labels, ...e.model.describe() });
    return out;
  }

  /** Describes every host model of a tenant. */
  hostList(tenant: string): HostModelInfo[] {
    const out: HostModelInfo[] = [];
    const prefix = `${tenant}\u0000`;
    for (const [k, tr] of this.hosts) if (k.startsWith(prefix)) out.push({ host: k.slice(prefix.length), ...tr.model.describe() });
    return out;
  }

  /** Every model's state, as plain data. */
  save(): SavedModel[] {
    const out: SavedModel[] = [];
    for (const [tenant, models] of this.models)
      for (const [series, e] of models) out.push({ tenant, series, labels: e.labels, state: e.model.save() });
    return out;
  }

  /** Every host model's state, as plain data. */
  saveHosts(): SavedHostModel[] {
    const out: SavedHostModel[] = [];
    for (const [k, tr] of this.hosts) {
      const sep = k.indexOf('\u0000');
      out.push({ tenant: k.slice(0, sep), host: k.slice(sep + 1), state: tr.model.save() });
    }
    return out;
  }

  /** Restores saved models and host models (replacing any with the same key). */
  restore(models: readonly SavedModel[], hosts: readonly SavedHostModel[] = []): void {
    for (const m of models) this.tenantModels(m.tenant).set(m.series, this.entry(m.tenant, new SeriesModel({ state: m.state }), m.labels));
    if (hosts.length > 0) this.gen++;
    for (const h of hosts)
      this.hosts.set(
        this.key(h.tenant, h.host),
        new HostTracker({ mode: this.mode, decades: DEFAULT_DETECTOR_SETTINGS.scoreDecades, state: h.state, ...this.settings() }),
      );
  }

  /** Number of series held. */
  get size(): number {
    let n = 0;
    for (const m of this.models.values()) n += m.size;
    return n;
  }
}

/** Time of the first sample a series model learnt from (+∞ when it has none). */
function firstSeen(m: SeriesModel): number {
  const d = m.describe();
  return d.samples === 0 ? Number.POSITIVE_INFINITY : d.lastT - d.observedMs;
}

/** The anomaly event of a host row whose multivariate verdict is alert-level, or null. */
function hostAnomaly(tenant: string, host: string, row: HostRow): Anomaly | null {
  if (row.excluded || row.mv.severity === 'info') return null;
  const labels = { __name__: HOST_SCORE_METRIC, host };
  return {
    tenant,
    series: seriesKey(labels),
    labels,
    t: row.t,
    value: row.score,
    score: row.mv.score,
    severity: row.mv.severity,
    expected: [0, DEFAULT_DETECTOR_SETTINGS.warningScore],
    detectors: ['multivariate'],
    reason: row.mv.reason,
  };
}
