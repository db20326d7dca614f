import { useState } from 'react';
import { type Column, ListTable } from '../components/list.js';
import { SeriesChart } from '../components/series-chart.js';
import { Ago, LabelChips, Link, LoadState, PageHeader, Panel, SeverityBadge, StatusBadge } from '../components/ui.js';
import { api } from '../lib/api.js';
import { formatSeries, formatTime, formatValue } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { setQueryParam, useLocation } from '../lib/router.js';
import { useStream } from '../lib/stream.js';
import { type Incident, type Me, unwrap } from '../lib/types.js';

const INCIDENT_COLUMNS: Column<Incident>[] = [
  { head: 'Severity', cell: (i) => <SeverityBadge severity={i.severity} /> },
  { head: 'Incident', cell: (i) => <Link to={`/incidents/${encodeURIComponent(i.id)}`}>{i.title}</Link> },
  { head: 'Hosts', cell: (i) => i.hosts.slice(0, 4).join(', ') + (i.hosts.length > 4 ? ` +${i.hosts.length - 4}` : '') },
  { head: 'Series', cell: (i) => i.members.length },
  { head: 'Started', cell: (i) => <Ago t={i.startedAt} /> },
  {
    head: 'State',
    cell: (i) => (
      <>
        <StatusBadge status={i.status} /> {i.ack && <span className="badge">acked by {i.ack.by}</span>}{' '}
        {i.feedback?.kind === 'expected' && <span className="badge">marked expected</span>}
      </>
    ),
  },
];

function IncidentList() {
  const { query } = useLocation();
  const status = query.get('status') ?? 'open';
  const res = useApi<unknown>(`/api/v1/incidents${status === 'all' ? '' : `?status=${status}`}`, 30_000);
  useStream({ incident: () => res.reload() });
  const list = (unwrap<Incident[]>(res.data, 'incidents') ?? [])
    .filter((i) => status === 'all' || i.status === status)
    .sort((a, b) => b.startedAt - a.startedAt);
  return (
    <div className="page incidents" data-page="incidents">
      <PageHeader title="Incidents">
        <fieldset className="range-picker">
          <legend className="sr-only">Which incidents</legend>
          {['open', 'resolved', 'all'].map((s) => (
            <button
              key={s}
              type="button"
              className={s === status ? 'active' : ''}
              aria-pressed={s === status}
              onClick={() => setQueryParam('status', s)}
            >
              {s}
            </button>
          ))}
        </fieldset>
      </PageHeader>
      <Panel title={`${list.length} ${status === 'all' ? '' : status} incident${list.length === 1 ? '' : 's'}`}>
        <LoadState loading={res.loading && !res.data} error={res.error} what="Incidents" />
        {res.data !== undefined && list.length === 0 && <p className="empty">No {status === 'all' ? '' : status} incidents.</p>}
        {list.length > 0 && (
          <ListTable
            rows={list}
            columns={INCIDENT_COLUMNS}
            rowKey={(i) => i.id}
            rowProps={(i) => ({ 'data-incident': i.id })}
            testId="incident-list"
          />
        )}
      </Panel>
    </div>
  );
}

function IncidentDetail({ id, me }: { id: string; me: Me }) {
  const res = useApi<unknown>(`/api/v1/incidents/${encodeURIComponent(id)}`, 30_000);
  useStream({ incident: (d) => (d as { id?: string })?.id === id && res.reload() });
  const [busy, setBusy] = useState<string | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();
  const inc = unwrap<Incident>(res.data, 'incident');
  const canWrite = me.role === 'editor' || me.role === 'admin';
  const act = async (verb: 'ack' | 'unack' | 'resolve' | 'feedback', body?: unknown) => {
    setBusy(verb);
    setActionError(undefined);
    try {
      await api(`/api/v1/incidents/${encodeURIComponent(id)}/${verb}`, { method: 'POST', body: body ?? {} });
      res.reload();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(undefined);
    }
  };
  if (!inc) {
    return (
      <div className="page incident" data-page="incident">
        <PageHeader title="Incident" />
        <LoadState loading={res.loading} error={res.error} what="Incidents" />
        <Link to="/incidents">← all incidents</Link>
      </div>
    );
  }
  const start = inc.startedAt - 3_600_000;
  // Rounded up to the next 10 s so the charts do not refetch on every render, and still include the newest samples.
  const end = Math.ceil(Math.min(Date.now(), (inc.resolvedAt ?? Date.now()) + 1_800_000) / 10_000) * 10_000;
  const anomalies = inc.members.map((m) => ({
    tenant: '',
    series: m.series,
    labels: m.labels,
    t: m.firstAt,
    value: m.value ?? 0,
    score: m.score,
    severity: m.severity,
    expected: m.expected ?? ([0, 0] as [number, number]),
    detectors: m.detectors,
    reason: m.reason,
  }));
  return (
    <div className="page incident" data-page="incident" data-incident={inc.id}>
      <PageHeader title={inc.title}>
        {inc.status === 'open' &&
          (inc.ack ? (
            <button type="button" disabled={!canWrite || busy !== undefined} onClick={() => void act('unack')}>
              Unacknowledge
            </button>
          ) : (
            <button type="button" className="primary" disabled={!canWrite || busy !== undefined} onClick={() => void act('ack')}>
              Acknowledge
            </button>
          ))}
        {inc.status === 'open' && (
          <button type="button" disabled={!canWrite || busy !== undefined} onClick={() => void act('resolve')}>
            Resolve
          </button>
        )}
        <button
          type="button"
          disabled={!canWrite || busy !== undefined || inc.feedback?.kind === 'expected'}
          onClick={() => void act('feedback', { kind: 'expected' })}
          title="Tell Vigil this was expected behaviour: the models learn from it and the rule's precision counts it"
        >
          Mark expected
        </button>
      </PageHeader>
      <p className="incident-meta">
        <SeverityBadge severity={inc.severity} /> <StatusBadge status={inc.status} /> started {formatTime(inc.startedAt)} (
        <Ago t={inc.startedAt} />){inc.resolvedAt && <> · resolved {formatTime(inc.resolvedAt)}</>}
        {inc.ack && (
          <span className="badge" data-testid="acked">
            acknowledged by {inc.ack.by} <Ago t={inc.ack.at} />
          </span>
        )}
        {inc.feedback && (
          <span className="badge">
            marked {inc.feedback.kind} by {inc.feedback.by}
          </span>
        )}{' '}
        · hosts:{' '}
        {inc.hosts.map((h) => (
          <Link key={h} to={`/hosts/${encodeURIComponent(h)}`} className="chip">
            {h}
          </Link>
        ))}
      </p>
      {!canWrite && <p className="muted small">Your role ({me.role}) can look but not change incidents.</p>}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {inc.members[0] && (
        <Panel title="Why">
          <p className="explanation">{inc.members[0].reason}</p>
        </Panel>
      )}
      <div className="grid2 wide-left">
        <Panel title={`Contributing series, strongest first (${inc.members.length})`}>
          <ol className="members">
            {inc.members.map((m, i) => (
              <li key={m.alertId}>
                <div className="member-head">
                  <SeverityBadge severity={m.severity} /> <code>{formatSeries(m.labels)}</code>{' '}
                  <span className="muted">score {m.score.toFixed(2)}</span>
                  {!m.active && <span className="badge">recovered</span>}
                </div>
                <p className="reason">
                  {m.reason}{' '}
                  <span className="muted">
                    (value {formatValue(m.value, 'none')}; {m.expectedText || 'no expectation'}; {m.detectors.join(', ') || m.rule})
                  </span>
                </p>
                {i < 6 && m.labels.__name__ && (
                  <SeriesChart labels={m.labels} start={start} end={end} title={m.labels.__name__} anomalies={anomalies} height={130} />
                )}
                <LabelChips labels={m.labels} />
              </li>
            ))}
          </ol>
        </Panel>
        <Panel title="Timeline">
          <ol className="timeline">
            {[...inc.history]
              .sort((a, b) => a.t - b.t)
              .map((e) => (
                <li key={`${e.t}-${e.type}-${e.text}`}>
                  <time>{formatTime(e.t)}</time> <strong>{e.type.replace('_', ' ')}</strong> <span className="muted">by {e.by}</span>
                  <div>{e.text}</div>
                </li>
              ))}
          </ol>
        </Panel>
      </div>
      <p>
        <Link to="/incidents">← all incidents</Link>
      </p>
    </div>
  );
}

/** Incidents: the list, or one incident's detail with its actions. */
export function IncidentsPage({ id, me }: { id?: string; me: Me }) {
  return id ? <IncidentDetail id={id} me={me} /> : <IncidentList />;
}
