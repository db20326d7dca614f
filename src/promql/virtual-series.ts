import { type LabelMatcher, type Labels, matchesAll, seriesKey } from '../core/index.js';
import type { LatestSample, Querier, SeriesData, SeriesRef, StepQuery } from '../tsdb/index.js';

/**
 * A source of series that are computed rather than stored, such as Vigil's own `vigil_anomaly_score`,
 * `vigil_expected_lower|upper`, `vigil_forecast{bound}` and `vigil_time_to_exhaustion_seconds`.
 * The query API merges them with stored series, so PromQL and Grafana see one namespace.
 * Every call is scoped to one tenant; time bounds are Unix ms, inclusive; results are fresh arrays owned by the caller.
 */
export interface VirtualSeriesProvider {
  /** Metric names this provider serves; a selector whose `__name__` matchers exclude all of them never reaches it. */
  readonly metricNames: readonly string[];
  /** Label sets (with `__name__`) of series matching every matcher, optionally only those with data in the range. */
  series(tenant: string, matchers: readonly LabelMatcher[], range?: { start: number; end: number }): Promise<Labels[]>;
  /** Samples in [start, end] of every matching series, timestamps ascending. */
  select(tenant: string, matchers: readonly LabelMatcher[], start: number, end: number): Promise<SeriesData[]>;
}

function relevant(p: VirtualSeriesProvider, matchers: readonly LabelMatcher[]): boolean {
  const nameMatchers = matchers.filter((m) => m.name === '__name__');
  return p.metricNames.some((name) => matchesAll({ __name__: name }, nameMatchers));
}

function mergeByLabels<T extends { labels: Labels }>(base: T[], extra: T[]): T[] {
  if (extra.length === 0) return base;
  const out = new Map<string, T>();
  for (const s of base) out.set(seriesKey(s.labels), s);
  for (const s of extra) out.set(seriesKey(s.labels), s);
  return [...out.values()];
}

/**
 * A Querier that answers from `base` plus the virtual series of `providers` (a provider's series wins over a
 * stored series with identical labels). `selectStep` reaches stored series only; `latest` covers both.
 */
export function withVirtualSeries(base: Querier, providers: readonly VirtualSeriesProvider[]): Querier {
  if (providers.length === 0) return base;
  const pick = (matchers: readonly LabelMatcher[]) => providers.filter((p) => relevant(p, matchers));
  const virtualSeries = async (tenant: string, matchers: readonly LabelMatcher[], range?: { start: number; end: number }) => {
    const lists = await Promise.all(pick(matchers).map((p) => p.series(tenant, matchers, range)));
    return lists.flat();
  };
  const virtualSelect = async (tenant: string, matchers: readonly LabelMatcher[], start: number, end: number) => {
    const lists = await Promise.all(pick(matchers).map((p) => p.select(tenant, matchers, start, end)));
    return lists.flat();
  };
  return {
    async series(tenant, matchers, range) {
      const [stored, extra] = await Promise.all([base.series(tenant, matchers, range), virtualSeries(tenant, matchers, range)]);
      const refs: SeriesRef[] = extra.map((labels, i) => ({ id: -(i + 1), labels }));
      return mergeByLabels(stored, refs);
    },
    async labelNames(tenant, matchers) {
      const [stored, extra] = await Promise.all([base.labelNames(tenant, matchers), virtualSeries(tenant, matchers ?? [])]);
      const names = new Set(stored);
      for (const l of extra) for (const k of Object.keys(l)) names.add(k);
      return [...names].sort();
    },
    async labelValues(tenant, name, matchers) {
      const [stored, extra] = await Promise.all([base.labelValues(tenant, name, matchers), virtualSeries(tenant, matchers ?? [])]);
      const values = new Set(stored);
      for (const l of extra) if (l[name] !== undefined && l[name] !== '') values.add(l[name]);
      return [...values].sort();
    },
    async select(tenant, matchers, start, end) {
      const [stored, extra] = await Promise.all([base.select(tenant, matchers, start, end), virtualSelect(tenant, matchers, start, end)]);
      return mergeByLabels(stored, extra);
    },
    async selectStep(tenant, matchers, q: StepQuery) {
      return base.selectStep(tenant, matchers, q);
    },
    async latest(tenant, matchers, at) {
      const [stored, extra] = await Promise.all([
        base.latest(tenant, matchers, at),
        virtualSelect(tenant, matchers, Number.MIN_SAFE_INTEGER, at ?? Number.MAX_SAFE_INTEGER),
      ]);
      const latest: LatestSample[] = [];
      for (const s of extra) {
        const i = s.timestamps.length - 1;
        if (i >= 0) latest.push({ labels: s.labels, t: s.timestamps[i] as number, v: s.values[i] as number });
      }
      return mergeByLabels(stored, latest);
    },
  };
}
