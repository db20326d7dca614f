import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type LineSeries, type Marker, TimeChart } from '../components/chart.js';
import { Ago, LabelChips, Link, LoadState, PageHeader, Panel, SeverityBadge, StatusBadge } from '../components/ui.js';
import { ApiError, qs } from '../lib/api.js';
import { queryCharts } from '../lib/charts.js';
import { formatSeries, formatTime, formatValue, parseRange } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { chooseStep, type PromSeries, promString, queryRange } from '../lib/prom.js';
import { navigate, useLocation } from '../lib/router.js';
import { useStream } from '../lib/stream.js';
import type { Anomaly, HostsResponse } from '../lib/types.js';
import { buildLines, HOST_CHARTS, HOST_COUNTERS, HOST_GAUGES, type HostData, onGrid, sameDims } from './host-charts.js';

/** Range choices of the picker. */
export const RANGES = ['15m', '1h', '6h', '24h', '7d', '30d', '90d'] as const;

interface ChartData {
  lines: LineSeries[];
  band?: { t: number[]; lower: number[]; upper: number[] } | undefined;
  forecast?: { t: number[]; point: number[]; lower: number[]; upper: number[] } | undefined;
}

/** Metrics whose expected band some chart shades. */
const BANDED = [...new Set(HOST_CHARTS.flatMap((c) => (c.band ? [c.band] : [])))];

/**
 * Loads a host's series in two requests — one `GET /api/v1/charts` for gauges (average per step), counters (rate)
 * and expected bands (lowest lower, highest upper per step), one PromQL query for the forecasts — and derives
 * every chart from them.
 */
async function loadCharts(host: string, start: number, end: number, now: number, signal: AbortSignal): Promise<Map<string, ChartData>> {
  const step = chooseStep(end - start);
  const h = `host=${promString(host)}`;
  const banded = `${h},metric=~"${BANDED.join('|')}"`;
  const horizon = Math.max(3_600_000, (end - start) / 3);
  const fStep = chooseStep(horizon, 200, step);
  const wantForecast = end > now - step;
  const [
    {
      grid,
      results: [gauges = [], rates = [], lower = [], upper = []],
    },
    fc,
  ] = await Promise.all([
    queryCharts(
      [
        { agg: 'avg', selector: `{__name__=~"${HOST_GAUGES.join('|')}",${h}}` },
        { agg: 'rate', selector: `{__name__=~"${HOST_COUNTERS.join('|')}",${h}}` },
        { agg: 'min', selector: `vigil_expected_lower{${banded}}` },
        { agg: 'max', selector: `vigil_expected_upper{${banded}}` },
      ],
      start,
      end,
      step,
      signal,
    ),
    wantForecast
      ? queryRange(`vigil_forecast{${h}}`, now, now + horizon, fStep, signal).catch(() => [] as PromSeries[])
      : Promise.resolve([] as PromSeries[]),
  ]);
  const bands = [...lower, ...upper];
  const d: HostData = { grid, gauges, rates };
  const out = new Map<string, ChartData>();
  for (const spec of HOST_CHARTS) {
    const lines = buildLines(spec, d);
    const data: ChartData = { lines };
    const first = lines[0];
    if (spec.band && first) {
      const match = (name: string) =>
        bands.find((s) => s.labels.__name__ === name && s.labels.metric === spec.band && sameDims(s.labels, first.labels));
      const l = match('vigil_expected_lower');
      const u = match('vigil_expected_upper');
      if (l && u) data.band = { t: grid, lower: onGrid(l, grid), upper: onGrid(u, grid) };
    }
    if (spec.forecast) {
      // Of several lines (mount points), the forecast shown is the one that runs lowest: the one to worry about.
      for (const line of lines) {
        const pick = (bound: string) =>
          fc.find((s) => s.labels.forecast_of === spec.forecast!.of && s.labels.bound === bound && sameDims(s.labels, line.labels));
        const fp = pick('point');
        const totalSeries = gauges.find((s) => s.labels.__name__ === spec.forecast!.total && sameDims(s.labels, line.labels));
        const total = totalSeries ? [...totalSeries.v].reverse().find((v) => Number.isFinite(v)) : undefined;
        if (!fp || fp.t.length === 0 || total === undefined) continue;
        const fl = pick('lower') ?? fp;
        const fu = pick('upper') ?? fp;
        // Free = total − used: the upper bound of use is the lower bound of what stays free.
        const cand = { t: fp.t, point: fp.v.map((v) => total - v), lower: fu.v.map((v) => total - v), upper: fl.v.map((v) => total - v) };
        if (!data.forecast || cand.point[cand.point.length - 1]! < data.forecast.point[data.forecast.point.length - 1]!)
          data.forecast = cand;
      }
    }
    out.set(spec.id, data);
  }
  return out;
}

/** One host: charts per metric group with anomaly markers, expected band and forecast; range picker, drag zoom, live tail. */
export function HostPage({ host }: { host: string }) {
  const { query } = useLocation();
  const rangeKey = query.get('range') ?? '6h';
  const from = Number(query.get('from'));
  const to = Number(query.get('to'));
  const zoomed = Number.isFinite(from) && Number.isFinite(to) && from > 0 && to > from;
  const [live, setLive] = useState(true);
  const [now, setNow] = useState(() => Date.now());
  const rangeMs = parseRange(rangeKey) ?? 6 * 3_600_000;
  const start = zoomed ? from : now - rangeMs;
  const end = zoomed ? to : now;
  const forecastEnd = zoomed ? end : end + Math.max(3_600_000, rangeMs / 3);
  const [charts, setCharts] = useState<Map<string, ChartData> | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [loadedAt, setLoadedAt] = useState<number | undefined>();
  const hosts = useApi<HostsResponse>('/api/v1/hosts', 30_000);
  const summary = hosts.data?.hosts.find((x) => x.host === host);
  const anomalies = useApi<{ anomalies: Anomaly[] }>(
    `/api/v1/anomalies${qs({ host, since: Math.floor(start / 300_000) * 300_000 })}`,
    60_000,
  );
  const [liveAnoms, setLiveAnoms] = useState<Anomaly[]>([]);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    const t0 = performance.now();
    loadCharts(host, start, end, now, ctrl.signal).then(
      (m) => {
        if (ctrl.signal.aborted) return;
        setCharts(m);
        setError(undefined);
        setLoading(false);
        setLoadedAt(Date.now());
        performance.mark('vigil-host-data', { detail: { ms: performance.now() - t0 } });
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(
          e instanceof ApiError && e.unavailable
            ? 'The chart API (/api/v1/charts) is not available on this server.'
            : e instanceof Error
              ? e.message
              : String(e),
        );
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [host, start, end, now]);

  // Live tail: new samples for this host move the window forward, at most every 5 s.
  const lastTick = useRef(0);
  const tick = useCallback(() => {
    if (zoomed || !live || Date.now() - lastTick.current < 5000) return;
    lastTick.current = Date.now();
    setNow(Date.now());
  }, [zoomed, live]);
  const streamState = useStream(
    {
      samples: tick,
      anomaly: (d) => {
        const a = d as Anomaly;
        if (a?.labels?.host === host) {
          setLiveAnoms((l) => [a, ...l].slice(0, 100));
          tick();
        }
      },
    },
    [`{host=${promString(host)}}`],
    live && !zoomed,
  );
  useEffect(() => {
    // Without a live stream, poll instead.
    if (!live || zoomed || streamState === 'live') return;
    const id = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(id);
  }, [live, zoomed, streamState]);

  const allAnoms = useMemo(() => {
    const base = anomalies.data?.anomalies ?? [];
    const keys = new Set(base.map((a) => `${a.series}@${a.t}`));
    return [...base, ...liveAnoms.filter((a) => !keys.has(`${a.series}@${a.t}`))].filter((a) => a.t >= start && a.t <= forecastEnd);
  }, [anomalies.data, liveAnoms, start, forecastEnd]);
  const markersFor = useMemo(() => {
    const m = new Map<string, Marker[]>();
    const placed = new Set<Anomaly>();
    for (const spec of HOST_CHARTS) {
      const list: Marker[] = [];
      for (const a of allAnoms) {
        const name = a.labels.metric ?? a.labels.__name__ ?? '';
        if (spec.metrics.includes(name)) {
          list.push({ t: a.t, severity: a.severity, text: a.reason });
          placed.add(a);
        }
      }
      m.set(spec.id, list);
    }
    // Anomalies on series without a chart of their own (e.g. host-level multivariate ones) go on the CPU chart.
    const rest = allAnoms.filter((a) => !placed.has(a)).map((a) => ({ t: a.t, severity: a.severity, text: a.reason }));
    m.set('cpu', [...(m.get('cpu') ?? []), ...rest]);
    return m;
  }, [allAnoms]);

  const setRange = (r: string) => {
    const q = new URLSearchParams(location.search);
    q.set('range', r);
    q.delete('from');
    q.delete('to');
    navigate(`${location.pathname}?${q.toString()}`, true);
    setNow(Date.now());
  };
  const onZoom = useCallback((a: number, b: number) => {
    const q = new URLSearchParams(location.search);
    q.set('from', String(a));
    q.set('to', String(b));
    navigate(`${location.pathname}?${q.toString()}`);
  }, []);
  const onReset = useCallback(() => {
    const q = new URLSearchParams(location.search);
    q.delete('from');
    q.delete('to');
    navigate(`${location.pathname}?${q.toString()}`, true);
    setNow(Date.now());
  }, []);

  const groups = [...new Set(HOST_CHARTS.map((c) => c.group))];
  const hasAnyData = charts ? [...charts.values()].some((c) => c.lines.length > 0) : false;

  return (
    <div className="page host" data-page="host">
      <PageHeader title={host}>
        <fieldset className="range-picker">
          <legend className="sr-only">Time range</legend>
          {RANGES.map((r) => (
            <button
              key={r}
              type="button"
              className={!zoomed && r === rangeKey ? 'active' : ''}
              aria-pressed={!zoomed && r === rangeKey}
              onClick={() => setRange(r)}
            >
              {r}
            </button>
          ))}
        </fieldset>
        {zoomed && (
          <button type="button" onClick={onReset} title="Back to the range (or double-click a chart)">
            Reset zoom
          </button>
        )}
        <label className="toggle" title="Follow new data as it arrives">
          <input type="checkbox" checked={live && !zoomed} disabled={zoomed} onChange={(e) => setLive(e.target.checked)} /> Live
          {live && !zoomed && <span className={`stream stream-${streamState}`}> {streamState === 'live' ? '●' : '○'}</span>}
        </label>
      </PageHeader>
      <div className="host-meta">
        {summary ? (
          <>
            <StatusBadge status={summary.status} /> <span>last seen</span> <Ago t={summary.lastSeen} />
            <span> · CPU {formatValue(summary.cpuPct, 'percent')}</span>
            <span> · memory {formatValue(summary.memPct, 'percent')}</span>
            <span>
              {' '}
              · disk {formatValue(summary.diskPct, 'percent')}
              {summary.diskMount ? ` (${summary.diskMount})` : ''}
            </span>{' '}
            <LabelChips labels={summary.labels} skip={['host']} />
          </>
        ) : (
          <span className="muted">{hosts.data ? 'This host is not in the fleet summary.' : ''}</span>
        )}
        <span className="muted small">
          {' '}
          {formatTime(start)} → {formatTime(end)}
          {loadedAt ? ` · updated ${formatTime(loadedAt).slice(11)}` : ''} · drag on a chart to zoom, double-click to reset
        </span>
      </div>

      {allAnoms.length > 0 && (
        <Panel title={`Anomalies in this range (${allAnoms.length})`}>
          <ul className="feed">
            {[...allAnoms]
              .sort((a, b) => b.t - a.t)
              .slice(0, 10)
              .map((a) => (
                <li key={`${a.series}@${a.t}`}>
                  <SeverityBadge severity={a.severity} /> {formatTime(a.t)} <code>{formatSeries(a.labels)}</code>{' '}
                  <span className="reason">{a.reason}</span>{' '}
                  <span className="muted">
                    value {formatValue(a.value, 'none')}, expected {formatValue(a.expected[0], 'none')}–{formatValue(a.expected[1], 'none')}
                    , score {a.score.toFixed(2)}
                  </span>
                </li>
              ))}
          </ul>
        </Panel>
      )}
      <LoadState loading={loading && !charts} what="Charts" />
      {error && <p className="error">{error}</p>}
      {charts && !hasAnyData && !error && (
        <p className="empty">
          No data for host <code>{host}</code> between {formatTime(start)} and {formatTime(end)}. <Link to="/">Back to the fleet</Link>.
        </p>
      )}
      {charts &&
        hasAnyData &&
        groups.map((g) => {
          const specs = HOST_CHARTS.filter((c) => c.group === g && (charts.get(c.id)?.lines.length ?? 0) > 0);
          if (specs.length === 0) return null;
          return (
            <section key={g} className="chart-group" aria-label={g}>
              <h2>{g}</h2>
              <div className="charts">
                {specs.map((spec) => {
                  const d = charts.get(spec.id)!;
                  return (
                    <TimeChart
                      key={spec.id}
                      title={spec.title}
                      unit={spec.unit}
                      lines={d.lines}
                      band={d.band}
                      forecast={d.forecast}
                      markers={markersFor.get(spec.id)}
                      start={start}
                      end={d.forecast ? forecastEnd : end}
                      now={d.forecast ? now : undefined}
                      onZoom={onZoom}
                      onReset={onReset}
                    />
                  );
                })}
              </div>
            </section>
          );
        })}
    </div>
  );
}
