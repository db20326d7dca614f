import type { AppendResult, LabelMatcher, Labels, Rejection, SeriesSamples } from '../../../core/index.js';
import { matchesAll, seriesKey } from '../../../core/index.js';
import type { Appender, SeriesData } from '../../../tsdb/index.js';

interface Stored {
  labels: Labels;
  timestamps: number[];
  values: number[];
}

/**
 * A small in-memory Appender for decoder and route tests: strict in-order appends per series, identical
 * replays accepted without storing twice, the same timestamp with another value refused. It copies what it keeps.
 */
export class MemoryStore implements Appender {
  private readonly tenants = new Map<string, Map<string, Stored>>();
  /** Calls to `append`, for tests that check nothing reached the store. */
  appendCalls = 0;

  async append(tenant: string, batch: readonly SeriesSamples[]): Promise<AppendResult> {
    this.appendCalls++;
    let series = this.tenants.get(tenant);
    if (series === undefined) {
      series = new Map();
      this.tenants.set(tenant, series);
    }
    let accepted = 0;
    const rejected: Rejection[] = [];
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i] as SeriesSamples;
      const key = seriesKey(s.labels);
      let st = series.get(key);
      if (st === undefined) {
        st = { labels: { ...s.labels }, timestamps: [], values: [] };
        series.set(key, st);
      }
      for (let j = 0; j < s.timestamps.length; j++) {
        const t = s.timestamps[j] as number;
        const v = s.values[j] as number;
        const last = st.timestamps.length > 0 ? (st.timestamps[st.timestamps.length - 1] as number) : -1;
        if (t > last) {
          st.timestamps.push(t);
          st.values.push(v);
          accepted++;
          continue;
        }
        const at = st.timestamps.lastIndexOf(t);
        if (at < 0) rejected.push({ series: i, sample: j, reason: 'out_of_order' });
        else if (Object.is(st.values[at], v)) accepted++;
        else rejected.push({ series: i, sample: j, reason: 'duplicate_timestamp' });
      }
      if (st.timestamps.length === 0) series.delete(key);
    }
    return { accepted, rejected };
  }

  /** Every stored series of `tenant` matching the matchers, with copies of its samples. */
  select(tenant: string, matchers: readonly LabelMatcher[] = []): SeriesData[] {
    const out: SeriesData[] = [];
    for (const s of this.tenants.get(tenant)?.values() ?? []) {
      if (matchesAll(s.labels, matchers)) out.push({ labels: { ...s.labels }, timestamps: [...s.timestamps], values: [...s.values] });
    }
    return out;
  }

  /** A canonical text snapshot of everything stored, to compare before and after. */
  snapshot(): string {
    const parts: string[] = [];
    for (const [tenant, series] of [...this.tenants].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (const key of [...series.keys()].sort()) {
        const s = series.get(key) as Stored;
        parts.push(`${tenant} ${key} ${s.timestamps.join(',')} ${s.values.map((v) => String(v)).join(',')}`);
      }
    }
    return parts.join('\n');
  }

  /** Number of samples stored across all tenants. */
  get sampleCount(): number {
    let n = 0;
    for (const series of this.tenants.values()) for (const s of series.values()) n += s.timestamps.length;
    return n;
  }
}
