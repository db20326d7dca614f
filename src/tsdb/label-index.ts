import { anchoredRegex, type LabelMatcher, matchesAll } from '../core/index.js';
import type { MemSeries } from './head.js';

/**
 * Inverted index of one tenant's series: label name → value → series. Equality matchers with a
 * non-empty value narrow the candidates through the postings; the other matchers (`!=`, `=~`,
 * `!~`, and `=""`, which means "label absent") are checked on the candidates, as Prometheus does.
 */
export class LabelIndex {
  readonly all: MemSeries[] = [];
  private readonly postings = new Map<string, Map<string, MemSeries[]>>();
  /**
   * Series added but not yet in the postings: they are indexed by the next read, not while ingest creates them,
   * so a burst of new series costs ingest a push each (the postings were 5 % of the ingest path's main thread).
   */
  private readonly pending: MemSeries[] = [];

  /** Adds a series (once). */
  add(s: MemSeries): void {
    this.all.push(s);
    this.pending.push(s);
  }

  /**
   * Indexes the series added since the last read: all of them (reads), or at most `max` (the store's maintenance,
   * so that a first query after a burst stays short without the maintenance step holding the event loop long).
   */
  catchUp(max = Number.POSITIVE_INFINITY): void {
    if (this.pending.length === 0) return;
    for (const s of this.pending.splice(0, max)) this.post(s);
  }

  private post(s: MemSeries): void {
    for (const name in s.labels) {
      const value = s.labels[name]!;
      let values = this.postings.get(name);
      if (values === undefined) {
        values = new Map();
        this.postings.set(name, values);
      }
      const list = values.get(value);
      if (list === undefined) values.set(value, [s]);
      else list.push(s);
    }
  }

  /** Removes a series (when retention dropped all its data). */
  remove(s: MemSeries): void {
    this.catchUp();
    const i = this.all.indexOf(s);
    if (i >= 0) this.all.splice(i, 1);
    for (const name in s.labels) {
      const values = this.postings.get(name);
      const list = values?.get(s.labels[name]!);
      if (values === undefined || list === undefined) continue;
      const j = list.indexOf(s);
      if (j >= 0) list.splice(j, 1);
      if (list.length === 0) values.delete(s.labels[name]!);
      if (values.size === 0) this.postings.delete(name);
    }
  }

  /** Series matching every matcher, ordered by id. */
  select(matchers: readonly LabelMatcher[]): MemSeries[] {
    this.catchUp();
    let candidates: MemSeries[] | undefined;
    for (const m of matchers) {
      if (m.op !== '=' || m.value === '') continue;
      const list = this.postings.get(m.name)?.get(m.value) ?? [];
      if (candidates === undefined || list.length < candidates.length) candidates = list;
    }
    if (candidates === undefined) {
      // A regex on a label narrows through the postings of that label's values.
      for (const m of matchers) {
        if (m.op !== '=~') continue;
        const re = anchoredRegex(m.value);
        if (re.test('')) continue;
        const values = this.postings.get(m.name);
        const out: MemSeries[] = [];
        if (values !== undefined) for (const [v, list] of values) if (re.test(v)) for (const s of list) out.push(s);
        if (candidates === undefined || out.length < candidates.length) candidates = out;
      }
    }
    const base = candidates ?? this.all;
    const out = matchers.length === 0 ? base.slice() : base.filter((s) => matchesAll(s.labels, matchers));
    out.sort((a, b) => a.id - b.id);
    return out;
  }

  /** Label names in use, sorted. */
  names(): string[] {
    this.catchUp();
    return [...this.postings.keys()].sort();
  }

  /** Values of one label, sorted. */
  values(name: string): string[] {
    this.catchUp();
    return [...(this.postings.get(name)?.keys() ?? [])].sort();
  }
}
