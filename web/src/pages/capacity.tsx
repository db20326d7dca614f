import { useState } from 'react';
import { SeriesChart } from '../components/series-chart.js';
import { Ago, LabelChips, Link, LoadState, PageHeader, Panel } from '../components/ui.js';
import { formatDuration, formatSeries, formatTime, formatValue } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { unwrap } from '../lib/types.js';

/** One row of `GET /api/v1/capacity`: a capacity series and when it is forecast to reach its limit. */
interface CapacityRow {
  series: string;
  labels: Record<string, string>;
  t: number;
  value: number;
  limit: number;
  eta: number | null;
  etaLow: number | null;
  etaHigh: number | null;
  horizon?: number;
  probability?: number;
}

const TREND_MS = 7 * 86_400_000;

function unitOf(labels: Record<string, string>): 'bytes' | 'none' {
  return (labels.__name__ ?? '').endsWith('_bytes') ? 'bytes' : 'none';
}

/** Capacity: the fleet ranked by time to exhaustion, with bounds and a trend chart (history and forecast) per row. */
export function CapacityPage() {
  const res = useApi<unknown>('/api/v1/capacity', 60_000);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const rows = (unwrap<CapacityRow[]>(res.data, 'capacity') ?? unwrap<CapacityRow[]>(res.data, 'ranking') ?? []).slice().sort((a, b) => (a.eta ?? Number.POSITIVE_INFINITY) - (b.eta ?? Number.POSITIVE_INFINITY));
  const now = Date.now();
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
        {res.data !== undefined && rows.length === 0 && <p className="empty">No capacity forecasts yet: they need a few hours of history per disk and memory series.</p>}
        {rows.length > 0 && (
          <table className="list capacity-table">
            <thead>
              <tr>
                <th>Host</th>
                <th>Series</th>
                <th>Now</th>
                <th>Limit</th>
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
                    <td>{r.labels.host ? <Link to={`/hosts/${encodeURIComponent(r.labels.host)}`}>{r.labels.host}</Link> : '–'}</td>
                    <td>
                      <code title={formatSeries(r.labels)}>{r.labels.__name__}</code> <LabelChips labels={r.labels} skip={['host', 'host_id', 'device', 'fstype']} />
                    </td>
                    <td>{formatValue(r.value, unit)}</td>
                    <td>{formatValue(r.limit, unit)}</td>
                    <td className={r.eta !== null && r.eta - now < 86_400_000 ? 'crit-text' : ''}>
                      {r.eta === null ? <span className="muted">no ETA</span> : <span title={formatTime(r.eta)}>{formatDuration(r.eta - now)}</span>}
                    </td>
                    <td className="muted small">
                      {r.eta === null ? '–' : `${r.etaLow === null ? '?' : formatDuration(r.etaLow - now)} – ${r.etaHigh === null ? 'never' : formatDuration(r.etaHigh - now)}`}
                      {r.probability !== undefined && ` · p=${r.probability.toFixed(2)}`}
                      <div>
                        forecast <Ago t={r.t} />
                      </div>
                    </td>
                    <td className="trend-cell">
                      {showTrend ? (
                        <SeriesChart labels={r.labels} start={now - TREND_MS} end={now} title="7 days and forecast" height={110} forecastMs={r.horizon ?? 3 * 86_400_000} />
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
      </Panel>
    </div>
  );
}
