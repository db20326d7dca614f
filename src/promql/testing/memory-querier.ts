/**
 * TEST FIXTURE: a small in-memory Querier for the PromQL engine's unit tests and the compatibility test.
 * It keeps raw samples in arrays and scans them linearly; it is not Vigil's store and has no durability.
 * Staleness markers are not guaranteed to survive it: V8's optimised code may drop a NaN's payload when it
 * stores the NaN in a plain number[].
 */

import {
  type AppendResult,
  type LabelMatcher,
  type Labels,
  matchesAll,
  normalizeLabels,
  type SeriesSamples,
  seriesKey,
} from '../../core/index.js';
import type { Appender, LatestSample, Querier, SeriesData, SeriesRef, StepQuery } from '../../tsdb/index.js';

interface MemSeries {
  id: number;
  labels: Labels;
  timestamps: number[];
  values: number[];
}

/** An in-memory Querier (and Appender) for tests: `add` or `append` samples, then query. */
export class MemoryQuerier implements Querier, Appender {
  private readonly tenants = new Map<string, Map<string, MemSeries>>();
  private nextId = 1;

  /** Adds samples of one series; samples are merged by timestamp (a later value replaces an earlier one). */
  add(tenant: string, labels: Labels, timestamps: readonly number[], values: readonly number[]): void {
    let byKey = this.tenants.get(tenant);
    if (byKey === undefined) {
      byKey = new Map();
      this.tenants.set(tenant, byKey);
    }
    const norm = normalizeLabels(labels);
    const key = seriesKey(norm);
    let s = byKey.get(key);
    if (s === undefined) {
      s = { id: this.nextId++, labels: norm, timestamps: [], values: [] };
      byKey.set(key, s);
    }
    const merged = new Map<number, number>();
    for (let i = 0; i < s.timestamps.length; i++) merged.set(s.timestamps[i] as number, s.values[i] as number);
    for (let i = 0; i < timestamps.length; i++) merged.set(timestamps[i] as number, values[i] as number);
    const ts = [...merged.keys()].sort((a, b) => a - b);
    s.timestamps = ts;
    s.values = ts.map((t) => merged.get(t) as number);
  }

  /** Appender: stores every sample of the batch (no out-of-order or duplicate rules: this is a fixture). */
  async append(tenant: string, batch: readonly SeriesSamples[]): Promise<AppendResult> {
    let accepted = 0;
    for (const s of batch) {
      this.add(tenant, s.labels, s.timestamps, s.values);
      accepted += s.timestamps.length;
    }
    return { accepted, rejected: [] };
  }

  private matching(tenant: string, matchers: readonly LabelMatcher[]): MemSeries[] {
    const byKey = this.tenants.get(tenant);
    if (byKey === undefined) return [];
    return [...byKey.values()].filter((s) => matchesAll(s.labels, matchers));
  }

  async series(tenant: string, matchers: readonly LabelMatcher[], range?: { start: number; end: number }): Promise<SeriesRef[]> {
    return this.matching(tenant, matchers)
      .filter((s) => range === undefined || s.timestamps.some((t) => t >= range.start && t <= range.end))
      .map((s) => ({ id: s.id, labels: { ...s.labels } }));
  }

  async labelNames(tenant: string, matchers: readonly LabelMatcher[] = []): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.matching(tenant, matchers)) for (const k of Object.keys(s.labels)) names.add(k);
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, matchers: readonly LabelMatcher[] = []): Promise<string[]> {
    const values = new Set<string>();
    for (const s of this.matching(tenant, matchers)) {
      const v = s.labels[name];
      if (v !== undefined) values.add(v);
    }
    return [...values].sort();
  }

  async select(tenant: string, matchers: readonly LabelMatcher[], start: number, end: number): Promise<SeriesData[]> {
    const out: SeriesData[] = [];
    for (const s of this.matching(tenant, matchers)) {
      const d: SeriesData = { labels: { ...s.labels }, timestamps: [], values: [] };
      s.timestamps.forEach((t, i) => {
        if (t >= start && t <= end) {
          d.timestamps.push(t);
          d.values.push(s.values[i] as number);
        }
      });
      if (d.timestamps.length > 0) out.push(d);
    }
    return out;
  }

  async selectStep(tenant: string, matchers: readonly LabelMatcher[], q: StepQuery): Promise<SeriesData[]> {
    const raw = await this.select(tenant, matchers, q.start - q.step, q.end);
    return raw.map((d) => {
      const out: SeriesData = { labels: d.labels, timestamps: [], values: [] };
      for (let end = q.start; end <= q.end; end += q.step) {
        const idx = d.timestamps.flatMap((t, i) => (t > end - q.step && t <= end ? [i] : []));
        if (idx.length === 0) continue;
        const vs = idx.map((i) => d.values[i] as number);
        let v: number;
        switch (q.agg) {
          case 'avg':
            v = vs.reduce((a, b) => a + b, 0) / vs.length;
            break;
          case 'min':
            v = Math.min(...vs);
            break;
          case 'max':
            v = Math.max(...vs);
            break;
          case 'sum':
            v = vs.reduce((a, b) => a + b, 0);
            break;
          case 'count':
            v = vs.length;
            break;
          case 'last':
            v = vs[vs.length - 1] as number;
            break;
          case 'rate': {
            if (idx.length < 2) continue;
            let inc = 0;
            for (let k = 1; k < vs.length; k++) {
              const a = vs[k - 1] as number;
              const b = vs[k] as number;
              inc += b >= a ? b - a : b;
            }
            const dt = ((d.timestamps[idx[idx.length - 1] as number] as number) - (d.timestamps[idx[0] as number] as number)) / 1000;
            v = inc / dt;
            break;
          }
        }
        out.timestamps.push(end);
        out.values.push(v);
      }
      return out;
    });
  }

  async latest(tenant: string, matchers: readonly LabelMatcher[], at?: number): Promise<LatestSample[]> {
    const out: LatestSample[] = [];
    for (const s of this.matching(tenant, matchers)) {
      for (let i = s.timestamps.length - 1; i >= 0; i--) {
        const t = s.timestamps[i] as number;
        if (at !== undefined && t > at) continue;
        out.push({ labels: { ...s.labels }, t, v: s.values[i] as number });
        break;
      }
    }
    return out;
  }
}
