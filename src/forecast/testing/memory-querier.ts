import { type LabelMatcher, type Labels, matchesAll, seriesKey } from '../../core/index.js';
import type { LatestSample, Querier, SeriesData, SeriesRef, StepQuery } from '../../tsdb/index.js';

interface Stored {
  id: number;
  labels: Labels;
  timestamps: number[];
  values: number[];
}

/** A tiny in-memory Querier for forecast tests: series added whole, step queries aggregated per bucket. */
export class MemoryQuerier implements Querier {
  private readonly tenants = new Map<string, Map<string, Stored>>();
  private nextId = 1;

  /** Adds (or replaces) one series of a tenant; timestamps ascending. */
  add(tenant: string, labels: Labels, timestamps: number[], values: number[]): void {
    let m = this.tenants.get(tenant);
    if (m === undefined) {
      m = new Map();
      this.tenants.set(tenant, m);
    }
    m.set(seriesKey(labels), { id: this.nextId++, labels, timestamps, values });
  }

  private matching(tenant: string, matchers: readonly LabelMatcher[]): Stored[] {
    return [...(this.tenants.get(tenant)?.values() ?? [])].filter((s) => matchesAll(s.labels, matchers));
  }

  async series(tenant: string, matchers: readonly LabelMatcher[]): Promise<SeriesRef[]> {
    return this.matching(tenant, matchers).map((s) => ({ id: s.id, labels: { ...s.labels } }));
  }

  async labelNames(tenant: string, matchers: readonly LabelMatcher[] = []): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.matching(tenant, matchers)) for (const k of Object.keys(s.labels)) names.add(k);
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, matchers: readonly LabelMatcher[] = []): Promise<string[]> {
    const vals = new Set<string>();
    for (const s of this.matching(tenant, matchers)) if (s.labels[name] !== undefined) vals.add(s.labels[name]);
    return [...vals].sort();
  }

  async select(tenant: string, matchers: readonly LabelMatcher[], start: number, end: number): Promise<SeriesData[]> {
    return this.matching(tenant, matchers).map((s) => {
      const idx = s.timestamps.map((t, i) => (t >= start && t <= end ? i : -1)).filter((i) => i >= 0);
      return {
        labels: { ...s.labels },
        timestamps: idx.map((i) => s.timestamps[i] as number),
        values: idx.map((i) => s.values[i] as number),
      };
    });
  }

  async selectStep(tenant: string, matchers: readonly LabelMatcher[], q: StepQuery): Promise<SeriesData[]> {
    if (q.agg !== 'avg' && q.agg !== 'last') throw new Error(`MemoryQuerier supports avg and last, not ${q.agg}`);
    const out: SeriesData[] = [];
    for (const s of this.matching(tenant, matchers)) {
      const timestamps: number[] = [];
      const values: number[] = [];
      let i = 0;
      for (let end = q.start; end <= q.end; end += q.step) {
        while (i < s.timestamps.length && (s.timestamps[i] as number) <= end - q.step) i++;
        let sum = 0;
        let n = 0;
        let last = Number.NaN;
        let j = i;
        while (j < s.timestamps.length && (s.timestamps[j] as number) <= end) {
          sum += s.values[j] as number;
          last = s.values[j] as number;
          n++;
          j++;
        }
        if (n > 0) {
          timestamps.push(end);
          values.push(q.agg === 'avg' ? sum / n : last);
        }
      }
      if (timestamps.length > 0) out.push({ labels: { ...s.labels }, timestamps, values });
    }
    return out;
  }

  async latest(tenant: string, matchers: readonly LabelMatcher[], at?: number): Promise<LatestSample[]> {
    const out: LatestSample[] = [];
    for (const s of this.matching(tenant, matchers)) {
      for (let i = s.timestamps.length - 1; i >= 0; i--) {
        if (at === undefined || (s.timestamps[i] as number) <= at) {
          out.push({ labels: { ...s.labels }, t: s.timestamps[i] as number, v: s.values[i] as number });
          break;
        }
      }
    }
    return out;
  }
}
