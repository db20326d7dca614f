import { type KeyboardEvent, memo, useEffect, useMemo, useRef, useState } from 'react';
import { Heatmap, Scatter, type ScatterPoint, Sparkline } from '../components/canvas.js';
import { Ago, LabelChips, Link, LoadState, PageHeader, Panel, PctBar, SeverityBadge, StatusBadge } from '../components/ui.js';
import { bucketAnomalies, worstSeverity } from '../lib/anomaly-rate.js';
import { qs } from '../lib/api.js';
import { matchesFilter, parseFilter } from '../lib/filter.js';
import { formatSeries } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { navigate, setQueryParam, useLocation } from '../lib/router.js';
import { useStream } from '../lib/stream.js';
import { type Anomaly, type HostSummary, type HostsResponse, type Incident, unwrap } from '../lib/types.js';

const WINDOW_MS = 24 * 3_600_000;
const BUCKETS = 48;

type SortKey = 'host' | 'status' | 'cpu' | 'mem' | 'disk' | 'anomalies' | 'lastSeen';

function sortValue(h: HostSummary, k: SortKey, anomalies: number): number | string {
  switch (k) {
    case 'host':
      return h.host;
    case 'status':
      return h.status === 'down' ? 0 : 1;
    case 'cpu':
      return h.cpuPct ?? -1;
    case 'mem':
      return h.memPct ?? -1;
    case 'disk':
      return h.diskPct ?? -1;
    case 'anomalies':
      return anomalies;
    case 'lastSeen':
      return h.lastSeen ?? 0;
  }
}

/** Fleet overview: every host's status and usage, anomaly rate, heatmap, CPU/memory scatter, live anomaly feed. */
export function FleetPage() {
  const { query } = useLocation();
  const filter = query.get('q') ?? '';
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'anomalies', desc: true });
  // Round the window start to a minute so the URL (and the request) stays stable between renders.
  const [since, setSince] = useState(() => Math.floor((Date.now() - WINDOW_MS) / 60_000) * 60_000);
  const hosts = useApi<HostsResponse>('/api/v1/hosts', 15_000);
  const anomaliesRes = useApi<{ anomalies: Anomaly[] }>(`/api/v1/anomalies${qs({ since })}`, 60_000);
  const incidentsRes = useApi<{ incidents: Incident[] }>('/api/v1/incidents?status=open', 30_000);
  const [live, setLive] = useState<Anomaly[]>([]);
  useStream({
    anomaly: (d) => {
      const a = d as Anomaly;
      if (a && typeof a.t === 'number' && a.labels) setLive((l) => [a, ...l].slice(0, 200));
    },
  });

  const end = since + WINDOW_MS + 60_000;
  const allAnomalies = useMemo(() => {
    const base = anomaliesRes.data?.anomalies ?? [];
    const seen = new Set(base.map((a) => `${a.series}@${a.t}`));
    return [...base, ...live.filter((a) => !seen.has(`${a.series}@${a.t}`))];
  }, [anomaliesRes.data, live]);
  const buckets = useMemo(() => bucketAnomalies(allAnomalies, since, end, BUCKETS), [allAnomalies, since, end]);
  const worst = useMemo(() => worstSeverity(allAnomalies, Date.now() - 3_600_000), [allAnomalies]);
  const openIncidents = useMemo(() => {
    const m = new Map<string, number>();
    for (const i of unwrap<Incident[]>(incidentsRes.data, 'incidents') ?? []) {
      if (i.status !== 'open') continue;
      for (const h of i.hosts) m.set(h, (m.get(h) ?? 0) + 1);
    }
    return m;
  }, [incidentsRes.data]);

  const terms = useMemo(() => parseFilter(filter), [filter]);
  const all = hosts.data?.hosts ?? [];
  const totals = useMemo(() => new Map([...buckets].map(([h, v]) => [h, v.reduce((a, b) => a + b, 0)])), [buckets]);
  const shown = useMemo(() => {
    const list = all.filter((h) => matchesFilter({ name: h.host, labels: h.labels }, terms));
    const dir = sort.desc ? -1 : 1;
    return list.sort((a, b) => {
      const va = sortValue(a, sort.key, totals.get(a.host) ?? 0);
      const vb = sortValue(b, sort.key, totals.get(b.host) ?? 0);
      if (typeof va === 'string' && typeof vb === 'string') return dir * collator.compare(va, vb);
      if (va < vb) return -dir;
      if (va > vb) return dir;
      return collator.compare(a.host, b.host);
    });
  }, [all, terms, sort, totals]);

  const heatRows = useMemo(
    () =>
      shown
        .filter((h) => buckets.has(h.host))
        .sort((a, b) => (totals.get(b.host) ?? 0) - (totals.get(a.host) ?? 0))
        .slice(0, 60)
        .map((h) => ({ name: h.host, values: buckets.get(h.host)! })),
    [shown, buckets, totals],
  );
  const withAnomalies = shown.filter((h) => buckets.has(h.host)).length;
  const scatter: ScatterPoint[] = useMemo(
    () =>
      shown.map((h) => ({ name: h.host, x: h.cpuPct, y: h.memPct, state: h.status === 'down' ? 'down' : (worst.get(h.host) ?? 'normal') })),
    [shown, worst],
  );
  const up = all.filter((h) => h.status !== 'down').length;
  const recent = useMemo(() => [...allAnomalies].sort((a, b) => b.t - a.t).slice(0, 12), [allAnomalies]);
  const lastHour = allAnomalies.filter((a) => a.t >= Date.now() - 3_600_000).length;

  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="th" onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'host' }))}>
        {label}
        {sort.key === key ? (sort.desc ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
  // Only the rows near the viewport are in the DOM: 500 hosts stay as fast as 20.
  const tableRef = useRef<HTMLTableElement>(null);
  const [scroll, setScroll] = useState(() => ({ y: window.scrollY, h: window.innerHeight }));
  useEffect(() => {
    let frame = 0;
    const on = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setScroll({ y: window.scrollY, h: window.innerHeight }));
    };
    window.addEventListener('scroll', on, { passive: true });
    window.addEventListener('resize', on);
    return () => {
      window.removeEventListener('scroll', on);
      window.removeEventListener('resize', on);
      cancelAnimationFrame(frame);
    };
  }, []);
  const win = useMemo(() => {
    const tableTop = tableRef.current ? tableRef.current.getBoundingClientRect().top + window.scrollY : 600;
    const first = Math.max(0, Math.floor((scroll.y - tableTop) / ROW_H) - OVERSCAN);
    const from = Math.min(first, Math.max(0, shown.length - 1));
    const to = Math.min(shown.length, Math.ceil((scroll.y + scroll.h - tableTop) / ROW_H) + OVERSCAN);
    return { from, to: Math.max(to, from), top: from * ROW_H, bottom: Math.max(0, shown.length - Math.max(to, from)) * ROW_H };
  }, [scroll, shown.length]);

  const onRowKey = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    if (!['j', 'k', 'ArrowDown', 'ArrowUp'].includes(e.key)) return;
    const links = [...e.currentTarget.querySelectorAll<HTMLAnchorElement>('a.host-link')];
    const i = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = e.key === 'j' || e.key === 'ArrowDown' ? i + 1 : i - 1;
    if (links[next]) {
      e.preventDefault();
      links[next].focus();
      links[next].scrollIntoView({ block: 'nearest' });
    }
  };

  return (
    <div className="page fleet" data-page="fleet">
      <PageHeader title="Fleet">
        <input
          type="search"
          placeholder='Filter: web env=prod role=~"db|cache"'
          aria-label="Filter hosts by name or labels"
          defaultValue={filter}
          onChange={(e) => setQueryParam('q', e.target.value)}
          className="search"
        />
        <button
          type="button"
          onClick={() => {
            hosts.reload();
            setSince(Math.floor((Date.now() - WINDOW_MS) / 60_000) * 60_000);
          }}
        >
          Refresh
        </button>
      </PageHeader>

      <div className="tiles">
        <div className="tile">
          <span className="tile-num" data-testid="hosts-up">
            {up}
          </span>
          <span className="tile-label">hosts up</span>
        </div>
        <div className={`tile ${all.length - up > 0 ? 'tile-bad' : ''}`}>
          <span className="tile-num">{all.length - up}</span>
          <span className="tile-label">down</span>
        </div>
        <div className={`tile ${lastHour > 0 ? 'tile-warn' : ''}`}>
          <span className="tile-num">{lastHour}</span>
          <span className="tile-label">anomalies, last hour</span>
        </div>
        <div className={`tile ${openIncidents.size > 0 ? 'tile-warn' : ''}`}>
          <span className="tile-num">
            {unwrap<Incident[]>(incidentsRes.data, 'incidents')?.filter((i) => i.status === 'open').length ?? '–'}
          </span>
          <span className="tile-label">open incidents</span>
        </div>
      </div>

      <div className="grid2">
        <Panel
          title={`Anomalies per host, last 24 h${withAnomalies > heatRows.length ? ` (top ${heatRows.length} of ${withAnomalies})` : ''}`}
        >
          <LoadState loading={anomaliesRes.loading && !anomaliesRes.data} error={anomaliesRes.error} what="Anomalies" />
          {anomaliesRes.data &&
            (heatRows.length > 0 ? (
              <Heatmap rows={heatRows} start={since} end={end} onRow={(h) => navigate(`/hosts/${encodeURIComponent(h)}`)} />
            ) : (
              <p className="empty">No anomalies in the last 24 hours{filter ? ' among the filtered hosts' : ''}.</p>
            ))}
        </Panel>
        <Panel title="CPU against memory">
          {shown.length > 0 ? (
            <>
              <Scatter points={scatter} onPoint={(h) => navigate(`/hosts/${encodeURIComponent(h)}`)} />
              <p className="legend small">
                <span className="lg lg-normal">● normal</span> <span className="lg lg-info">● info</span>{' '}
                <span className="lg lg-warning">▲ warning</span> <span className="lg lg-critical">▲ critical</span>{' '}
                <span className="lg lg-down">○ down</span> (anomaly state in the last hour; memory on the vertical axis)
              </p>
            </>
          ) : (
            <p className="empty">No hosts to plot.</p>
          )}
        </Panel>
      </div>

      <Panel title="Latest anomalies" id="feed">
        {recent.length === 0 ? (
          <p className="empty">{anomaliesRes.error ? 'Anomalies are not available.' : 'Nothing unusual in the last 24 hours.'}</p>
        ) : (
          <ul className="feed" data-testid="anomaly-feed">
            {recent.map((a) => (
              <li key={`${a.series}@${a.t}`} data-series={a.series} data-t={a.t}>
                <SeverityBadge severity={a.severity} /> <Ago t={a.t} />{' '}
                <Link to={`/hosts/${encodeURIComponent(a.labels.host ?? '')}`}>{a.labels.host ?? '?'}</Link>{' '}
                <code title={formatSeries(a.labels)}>{a.labels.__name__}</code> <span className="reason">{a.reason}</span>{' '}
                <span className="muted">score {a.score.toFixed(2)}</span>
              </li>
            ))}
          </ul>
        )}
      </Panel>

      <Panel title={`Hosts (${shown.length}${shown.length !== all.length ? ` of ${all.length}` : ''})`} id="hosts">
        <LoadState loading={hosts.loading && !hosts.data} error={hosts.error} what="Hosts" />
        {hosts.data && all.length === 0 && (
          <p className="empty">
            No host has sent data yet. Add one from <Link to="/settings">Settings → Agent keys</Link>.
          </p>
        )}
        {shown.length > 0 && (
          <div className="table-wrap">
            <table className="hosts" data-testid="hosts-table" data-count={shown.length} ref={tableRef}>
              <thead>
                <tr>
                  {header('status', 'Status')}
                  {header('host', 'Host')}
                  <th>Labels</th>
                  {header('cpu', 'CPU')}
                  {header('mem', 'Memory')}
                  {header('disk', 'Disk (worst)')}
                  {header('anomalies', 'Anomalies 24 h')}
                  <th>Incidents</th>
                  {header('lastSeen', 'Last seen')}
                </tr>
              </thead>
              <tbody onKeyDown={onRowKey}>
                {win.top > 0 && (
                  <tr className="spacer" style={{ height: win.top }}>
                    <td colSpan={9} />
                  </tr>
                )}
                {shown.slice(win.from, win.to).map((h) => (
                  <HostRow key={h.host} h={h} buckets={buckets.get(h.host) ?? EMPTY} incidents={openIncidents.get(h.host) ?? 0} />
                ))}
                {win.bottom > 0 && (
                  <tr className="spacer" style={{ height: win.bottom }}>
                    <td colSpan={9} />
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </div>
  );
}

const EMPTY: number[] = new Array(BUCKETS).fill(0);
/** Height of one host row (px, fixed by CSS) and rows rendered beyond the viewport. */
const ROW_H = 34;
const OVERSCAN = 15;

/** One host of the fleet table; memoised so live updates re-render only the rows that changed. */
const HostRow = memo(function HostRow({ h, buckets, incidents }: { h: HostSummary; buckets: number[]; incidents: number }) {
  const total = buckets.reduce((a, b) => a + b, 0);
  return (
    <tr data-host={h.host}>
      <td>
        <StatusBadge status={h.status} />
      </td>
      <td>
        <Link to={`/hosts/${encodeURIComponent(h.host)}`} className="host-link">
          {h.host}
        </Link>
      </td>
      <td className="labels-cell">
        <LabelChips labels={h.labels} skip={['host', 'host_id', 'instance', 'job']} />
      </td>
      <td>
        <PctBar value={h.cpuPct} />
      </td>
      <td>
        <PctBar value={h.memPct} />
      </td>
      <td title={h.diskMount ?? undefined}>
        <PctBar value={h.diskPct} />
      </td>
      <td>
        <Sparkline values={buckets} label={`anomalies on ${h.host}`} /> <span className="count">{total || ''}</span>
      </td>
      <td>{incidents > 0 ? <span className="badge sev-warning">{incidents} open</span> : <span className="muted">–</span>}</td>
      <td>
        <Ago t={h.lastSeen} />
      </td>
    </tr>
  );
});
/** Natural order: web-2 before web-10. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
