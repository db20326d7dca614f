import { type LabelMatcher, type Labels, matchesAll, seriesKey } from '../../core/index.js';
import type { LatestSample, Querier, SeriesData, SeriesRef, StepQuery } from '../../tsdb/index.js';

/** A tiny in-memory Querier for alerting tests: series per tenant with raw samples, no step aggregation beyond `last`. */
export class MemoryQuerier implements Querier {
  private readonly data = new Map<string, Map<string, { id: number; labels: Labels; t: number[]; v: number[] }>>();
  private nextId = 1;

  /** Appends one sample (timestamps must ascend per series). */
  add(tenant: string, labels: Labels, t: number, v: number): void {
    let m = this.data.get(tenant);
    if (m === undefined) {
      m = new Map();
      this.data.set(tenant, m);
    }
    const k = seriesKey(labels);
    let s = m.get(k);
    if (s === undefined) {
      s = { id: this.nextId++, labels, t: [], v: [] };
      m.set(k, s);
    }
    s.t.push(t);
    s.v.push(v);
  }

  private matching(tenant: string, matchers: readonly LabelMatcher[]) {
    return [...(this.data.get(tenant)?.values() ?? [])].filter((s) => matchesAll(s.labels, matchers));
  }

  async series(tenant: string, matchers: readonly LabelMatcher[]): Promise<SeriesRef[]> {
    return this.matching(tenant, matchers).map((s) => ({ id: s.id, labels: { ...s.labels } }));
  }

  async labelNames(tenant: string, matchers: readonly LabelMatcher[] = []): Promise<string[]> {
    return [...new Set(this.matching(tenant, matchers).flatMap((s) => Object.keys(s.labels)))].sort();
  }

  async labelValues(tenant: string, name: string, matchers: readonly LabelMatcher[] = []): Promise<string[]> {
    const vals = this.matching(tenant, matchers).map((s) => s.labels[name]);
    return [...new Set(vals.filter((v): v is string => v !== undefined))].sort();
  }

  async select(tenant: string, matchers: readonly LabelMatcher[], start: number, end: number): Promise<SeriesData[]> {
    return this.matching(tenant, matchers).map((s) => {
      const idx = s.t.map((t, i) => [t, i] as const).filter(([t]) => t >= start && t <= end);
      return { labels: { ...s.labels }, timestamps: idx.map(([t]) => t), values: idx.map(([, i]) => s.v[i] as number) };
    });
  }

  async selectStep(tenant: string, matchers: readonly LabelMatcher[], q: StepQuery): Promise<SeriesData[]> {
    const raw = await this.select(tenant, matchers, q.start - q.step, q.end);
    return raw.map((s) => {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let end = q.start; end <= q.end; end += q.step) {
        let last: number | undefined;
        s.timestamps.forEach((t, i) => {
          if (t > end - q.step && t <= end) last = s.values[i];
        });
        if (last !== undefined) {
          timestamps.push(end);
          values.push(last);
        }
      }
      return { labels: s.labels, timestamps, values };
    });
  }

  async latest(tenant: string, matchers: readonly LabelMatcher[], at = Number.POSITIVE_INFINITY): Promise<LatestSample[]> {
    const out: LatestSample[] = [];
    for (const s of this.matching(tenant, matchers)) {
      for (let i = s.t.length - 1; i >= 0; i--) {
        if ((s.t[i] as number) <= at) {
          out.push({ labels: { ...s.labels }, t: s.t[i] as number, v: s.v[i] as number });
          break;
        }
      }
    }
    return out;
  }
}
