import { useEffect, useState } from 'react';
import { queryCharts } from '../lib/charts.js';
import { formatSeries, type Unit } from '../lib/format.js';
import { chooseStep, type PromSeries, promString } from '../lib/prom.js';
import type { Anomaly } from '../lib/types.js';
import { type Marker, TimeChart } from './chart.js';

function selector(labels: Record<string, string>): string {
  const { __name__: name = '', ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${promString(rest[k]!)}`)
    .join(',');
  return `${name}{${inner}}`;
}

function unitFor(name: string): Unit {
  if (name.endsWith('_bytes_total')) return 'bytes/s';
  if (name.endsWith('_bytes')) return 'bytes';
  if (name.endsWith('_ratio')) return 'ratio';
  if (name.endsWith('_seconds_total')) return 'none';
  if (name.endsWith('_seconds')) return 'seconds';
  if (name.endsWith('_total')) return 'ops/s';
  return 'none';
}

/** A chart of one series (counters as their rate, gauges averaged per step) with its expected band and anomaly markers. */
export function SeriesChart(props: {
  labels: Record<string, string>;
  start: number;
  end: number;
  title?: string;
  anomalies?: readonly Anomaly[];
  height?: number;
}) {
  const { labels, start, end } = props;
  const [data, setData] = useState<{ s?: PromSeries; lo?: PromSeries; hi?: PromSeries; error?: string } | undefined>();
  const name = labels.__name__ ?? '';
  const key = formatSeries(labels);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `labels`
  useEffect(() => {
    const ctrl = new AbortController();
    const counter = /_(total|count|sum)$/.test(name);
    const { __name__: _n, ...rest } = labels;
    const bandSel = selector({ ...rest, metric: name });
    queryCharts(
      [
        { agg: counter ? 'rate' : 'avg', selector: selector(labels) },
        { agg: 'min', selector: `vigil_expected_lower${bandSel}` },
        { agg: 'max', selector: `vigil_expected_upper${bandSel}` },
      ],
      start,
      end,
      chooseStep(end - start, 600),
      ctrl.signal,
    ).then(
      ({ results: [s, lo, hi] }) => {
        const d: { s?: PromSeries; lo?: PromSeries; hi?: PromSeries } = {};
        if (s?.[0]) d.s = s[0];
        if (lo?.[0]) d.lo = lo[0];
        if (hi?.[0]) d.hi = hi[0];
        setData(d);
      },
      (e: unknown) => {
        if (!ctrl.signal.aborted) setData({ error: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => ctrl.abort();
  }, [key, start, end]);
  if (!data) return <p className="empty small">Loading {key}…</p>;
  if (data.error) return <p className="error small">{data.error}</p>;
  const markers: Marker[] = (props.anomalies ?? [])
    .filter((a) => a.series === key || formatSeries(a.labels) === key)
    .map((a) => ({ t: a.t, severity: a.severity, text: a.reason }));
  return (
    <TimeChart
      title={props.title ?? key}
      unit={unitFor(name)}
      lines={data.s ? [{ label: name, t: data.s.t, v: data.s.v }] : []}
      band={data.lo && data.hi && data.lo.t.length === data.hi.t.length ? { t: data.lo.t, lower: data.lo.v, upper: data.hi.v } : undefined}
      markers={markers}
      start={start}
      end={end}
      height={props.height ?? 150}
    />
  );
}
