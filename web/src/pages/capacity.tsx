import { useEffect, useMemo, useState } from 'react';
import { TimeChart } from '../components/chart.js';
import { Ago, LabelChips, Link, LoadState, PageHeader, Panel } from '../components/ui.js';
import { api, qs } from '../lib/api.js';
import { formatDuration, formatSeries, formatTime, formatValue, type Unit } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { chooseStep, type PromSeries, promString, queryRange } from '../lib/prom.js';

/** One row of `GET /api/v1/capacity` (src/forecast/engine.ts `CapacityRow`). */
interface CapacityRow {
  host: string;
  resource: string;
  target: string;
  series: string;
  labels: Record<string, string>;
  used: number;
  limit: number;
  usedRatio: number;
  status: 'filling' | 'flat' | 'shrinking' | 'full' | 'unknown';
  etaMs: number | null;
  etaLowMs: number | null;
  etaHighMs: number | null;
  etaAt: number | null;
  slopePerHour: number;
  reason: string;
  summary: string;
}

/** One forecast of `GET /api/v1/forecasts` (src/forecast/engine.ts `ForecastResult`), the fields drawn here. */
interface ForecastResult {
  series: string;
  generatedAt: number;
  timestamps: number[];
  point: number[];
  lower: number[];
  upper: number[];
}

/** Capacity series the forecaster derives from node_exporter pairs: used = total − free (src/forecast/engine.ts). */
const DERIVED: Record<string, [total: string, free: string]> = {
  node_filesystem_used_bytes: ['node_filesystem_size_bytes', 'node_filesystem_avail_bytes'],
  node_filesystem_files_used: ['node_filesystem_files', 'node_filesystem_files_free'],
  node_memory_used_bytes: ['node_memory_MemTotal_bytes', 'node_memory_MemAvailable_bytes'],
  node_memory_SwapUsed_bytes: ['node_memory_SwapTotal_bytes', 'node_memory_SwapFree_bytes'],
};

const TREND_MS = 7 * 86_400_000;

function unitOf(labels: Record<string, string>): Unit {
  return (labels.__name__ ?? '').endsWith('_bytes') ? 'bytes' : 'none';
}

/** PromQL for a capacity series' history: the derived difference, or the series itself. */
function historyExpr(labels: Record<string, string>): string {
  const { __name__: name = '', ...rest } = labels;
  const sel = `{${Object.keys(rest)
    .sort()
    .map((k) => `${k}=${promString(rest[k]!)}`)
    .join(',')}}`;
  const d = DERIVED[name];
  return d ? `${d[0]}${sel} - ${d[1]}${sel}` : `${name}${sel}`;
}

function Trend({ row, now }: { row: CapacityRow; now: number }) {
  const [data, setData] = useState<{ hist?: PromSeries; f?: ForecastResult; error?: string } | undefined>();
  useEffect(() => {
    const ctrl = new AbortController();
    const start = now - TREND_MS;
    Promise.all([
      queryRange(historyExpr(row.labels), start, now, chooseStep(TREND_MS, 300), ctrl.signal),
      api<{ forecasts: ForecastResult[] }>(`/api/v1/forecasts${qs({ series: row.series })}`, { signal: ctrl.signal }).catch(() => ({
        forecasts: [],
      })),
    ]).then(
      ([h, f]) => {
        const d: { hist?: PromSeries; f?: ForecastResult } = {};
        if (h[0]) d.hist = h[0];
        if (f.forecasts[0]) d.f = f.forecasts[0];
        setData(d);
      },
      (e: unknown) => !ctrl.signal.aborted && setData({ error: e instanceof Error ? e.message : String(e) }),
    );
    return () => ctrl.abort();
  }, [row.series, row.labels, now]);
  const lines = useMemo(() => {
    const out = data?.hist ? [{ label: 'used', t: data.hist.t, v: data.hist.v }] : [];
    out.push({ label: 'limit', t: [now - TREND_MS, now], v: [row.limit, row.limit], color: '#D55E00' } as (typeof out)[number]);
    return out;
  }, [data, row.limit, now]);
  if (!data) return <p className="empty small">Loading…</p>;
  if (data.error) return <p className="error small">{data.error}</p>;
  const f = data.f;
  const end = f && f.timestamps.length > 0 ? Math.max(now, f.timestamps[f.timestamps.length - 1]!) : now;
  return (
    <TimeChart
      title="7 days and forecast"
      unit={unitOf(row.labels)}
      lines={lines}
      forecast={f && f.timestamps.length > 0 ? { t: f.timestamps, point: f.point, lower: f.lower, upper: f.upper } : undefined}
      start={now - TREND_MS}
      end={end}
      now={now}
      height={120}
    />
  );
}

/** Capacity: the fleet ranked by time to exhaustion, with bounds and a trend chart (history and forecast) per row. */
export function CapacityPage() {
  const res = useApi<{ capacity: CapacityRow[] }>('/api/v1/capacity', 60_000);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [now] = useState(() => Math.ceil(Date.now() / 60_000) * 60_000);
  const rows = (res.data?.capacity ?? [])
    .slice()
    .sort((a, b) => (a.etaMs ?? Number.POSITIVE_INFINITY) - (b.etaMs ?? Number.POSITIVE_INFINITY) || b.usedRatio - a.usedRatio);
  const toggle = (k: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  return (
    <div className="page capacity" data-page="capacity">
      <PageHeader title="Capacity" />
      <Panel title="Time to exhaustion, soonest first">
        <LoadState loading={res.loading && !res.data} error={res.error} what="Capacity forecasts" />
        {res.data !== undefined && rows.length === 0 && (
          <p className="empty">No capacity forecasts yet: they need a few hours of history per disk and memory series.</p>
        )}
        {rows.length > 0 && (
          <table className="list capacity-table" data-testid="capacity-table">
            <thead>
              <tr>
                <th>Host</th>
                <th>Resource</th>
                <th>Used</th>
                <th>Full in</th>
                <th>Bounds</th>
                <th>Trend</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const unit = unitOf(r.labels);
                const showTrend = i < 5 || open.has(r.series);
                return (
                  <tr key={r.series} data-series={r.series}>
                    <td>
                      <Link to={`/hosts/${encodeURIComponent(r.host)}`}>{r.host}</Link>
                    </td>
                    <td>
                      <strong>{r.resource}</strong> {r.target && <code>{r.target}</code>}
                      <div className="muted small" title={formatSeries(r.labels)}>
                        {r.summary}
                      </div>
                      <LabelChips labels={r.labels} skip={['host', 'host_id', 'device', 'fstype', 'mountpoint']} />
                    </td>
                    <td>
                      {formatValue(r.usedRatio * 100, 'percent')}
                      <div className="muted small">
                        {formatValue(r.used, unit)} of {formatValue(r.limit, unit)}
                      </div>
                    </td>
                    <td className={r.etaMs !== null && r.etaMs < 86_400_000 ? 'crit-text' : ''}>
                      {r.etaMs === null ? (
                        <span className="muted">no ETA ({r.status})</span>
                      ) : (
                        <span title={r.etaAt ? formatTime(r.etaAt) : undefined}>{formatDuration(r.etaMs)}</span>
                      )}
                    </td>
                    <td className="muted small">
                      {r.etaMs === null
                        ? '–'
                        : `${r.etaLowMs === null ? '?' : formatDuration(r.etaLowMs)} – ${r.etaHighMs === null ? 'never' : formatDuration(r.etaHighMs)}`}
                      <div>{r.slopePerHour !== 0 && `${r.slopePerHour > 0 ? '+' : ''}${formatValue(r.slopePerHour, unit)}/h`}</div>
                    </td>
                    <td className="trend-cell">
                      {showTrend ? (
                        <Trend row={r} now={now} />
                      ) : (
                        <button type="button" onClick={() => toggle(r.series)}>
                          Show trend
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {rows.length > 0 && (
          <p className="muted small">
            Forecasts refresh every few minutes; bounds are the 80% interval of the crossing time. Updated <Ago t={now} />.
          </p>
        )}
      </Panel>
    </div>
  );
}
