import type { Anomaly } from '../core/index.js';
import { inferKind, SeriesModel } from './model.js';
import type { ModelInfo, SavedModel, ScoredBatch, WorkItem } from './protocol.js';

interface Entry {
  model: SeriesModel;
  labels: WorkItem['labels'];
}

/** The models of one shard of series (what one worker thread owns), usable in-process too. */
export class DetectionShard {
  private readonly models = new Map<string, Entry>();

  private key(tenant: string, series: string): string {
    return `${tenant}\u0000${series}`;
  }

  /** Scores a batch of one tenant; returns per-sample scores and the alert-level anomalies. */
  push(tenant: string, items: readonly WorkItem[]): { scores: ScoredBatch; anomalies: Anomaly[] } {
    const scores: ScoredBatch = [];
    const anomalies: Anomaly[] = [];
    for (const item of items) {
      const k = this.key(tenant, item.series);
      let e = this.models.get(k);
      if (e === undefined) {
        e = { model: new SeriesModel({ kind: inferKind(item.labels) }), labels: item.labels };
        this.models.set(k, e);
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
        out.scores[i] = r.score;
        out.lower[i] = r.expected[0];
        out.upper[i] = r.expected[1];
        out.learning = r.learning;
        if (r.severity !== 'info' && !skip) {
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
      scores.push(out);
    }
    return { scores, anomalies };
  }

  /** Applies feedback to one series; returns false when the series is unknown. */
  feedback(tenant: string, series: string, start: number, end: number, kind: 'expected' | 'anomaly'): boolean {
    const e = this.models.get(this.key(tenant, series));
    if (e === undefined) return false;
    e.model.feedback(start, end, kind);
    return true;
  }

  /** Describes every model of a tenant. */
  list(tenant: string): ModelInfo[] {
    const out: ModelInfo[] = [];
    const prefix = `${tenant}\u0000`;
    for (const [k, e] of this.models)
      if (k.startsWith(prefix)) out.push({ series: k.slice(prefix.length), labels: e.labels, ...e.model.describe() });
    return out;
  }

  /** Every model's state, as plain data. */
  save(): SavedModel[] {
    const out: SavedModel[] = [];
    for (const [k, e] of this.models) {
      const sep = k.indexOf('\u0000');
      out.push({ tenant: k.slice(0, sep), series: k.slice(sep + 1), labels: e.labels, state: e.model.save() });
    }
    return out;
  }

  /** Restores saved models (replacing any with the same key). */
  restore(models: readonly SavedModel[]): void {
    for (const m of models) this.models.set(this.key(m.tenant, m.series), { model: new SeriesModel({ state: m.state }), labels: m.labels });
  }

  /** Number of series held. */
  get size(): number {
    return this.models.size;
  }
}
