import { useState } from 'react';
import { type Column, CrudPanel, ListTable, SaveCancel, useSaveForm } from '../components/list.js';
import { Ago, LabelChips, Link, LoadState, PageHeader, Panel, SeverityBadge, StatusBadge } from '../components/ui.js';
import { formatDuration, formatTime, formatValue } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { useStream } from '../lib/stream.js';
import { type Alert, type Me, unwrap } from '../lib/types.js';

interface RuleRow {
  name: string;
  type?: string;
  kind?: string;
  severity?: string;
  description?: string;
  enabled?: boolean;
  /** Measured precision: a ratio, or an object with it and the counts behind it. */
  precision?:
    | number
    | null
    | { precision?: number | null; acted?: number; falsePositives?: number; false_positive?: number; total?: number };
}

interface Silence {
  id: string;
  match: string;
  startsAt?: number;
  endsAt: number;
  comment?: string;
  createdBy?: string;
}

interface Maintenance {
  id: string;
  schedule: string;
  duration: number;
  match: string;
  comment?: string;
}

function precisionText(p: RuleRow['precision']): { text: string; detail: string } {
  if (p === undefined || p === null) return { text: '–', detail: 'not enough reviewed alerts yet' };
  if (typeof p === 'number') return { text: `${(p * 100).toFixed(0)}%`, detail: '' };
  const v = p.precision;
  const fp = p.falsePositives ?? p.false_positive;
  const detail = [p.acted !== undefined ? `${p.acted} acted on` : '', fp !== undefined ? `${fp} false positives` : '']
    .filter(Boolean)
    .join(', ');
  return {
    text: v === undefined || v === null ? '–' : `${(v * 100).toFixed(0)}%`,
    detail: detail || (v === null ? 'not enough reviewed alerts yet' : ''),
  };
}

function toLocalInput(t: number): string {
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function SilenceForm({ initial, onDone }: { initial?: Silence; onDone: () => void }) {
  const [match, setMatch] = useState(initial?.match ?? '{host="web-1"}');
  const [endsAt, setEndsAt] = useState(toLocalInput(initial?.endsAt ?? Date.now() + 2 * 3_600_000));
  const [comment, setComment] = useState(initial?.comment ?? '');
  const { error, submit } = useSaveForm('/api/v1/silences', initial?.id, onDone);
  const body = { match, endsAt: new Date(endsAt).getTime(), comment, ...(initial?.startsAt ? { startsAt: initial.startsAt } : {}) };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(body)(e)} aria-label={initial ? 'Edit silence' : 'New silence'}>
      <label>
        Matching
        <input value={match} onChange={(e) => setMatch(e.target.value)} required placeholder='{host="web-1", severity="warning"}' />
      </label>
      <label>
        Until
        <input type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} required />
      </label>
      <label>
        Comment
        <input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="why" />
      </label>
      <SaveCancel editing={initial !== undefined} createLabel="Create silence" onCancel={onDone} error={error} />
    </form>
  );
}

function MaintenanceForm({ initial, onDone }: { initial?: Maintenance; onDone: () => void }) {
  const [id, setId] = useState(initial?.id ?? 'weekly-patching');
  const [schedule, setSchedule] = useState(initial?.schedule ?? '0 3 * * 0');
  const [duration, setDuration] = useState(initial ? `${Math.round(initial.duration / 60_000)}m` : '2h');
  const [match, setMatch] = useState(initial?.match ?? '{env="prod"}');
  const [comment, setComment] = useState(initial?.comment ?? '');
  const { error, submit } = useSaveForm('/api/v1/maintenance', initial?.id, onDone);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => void submit({ id, schedule, duration, match, comment })(e)}
      aria-label={initial ? 'Edit maintenance window' : 'New maintenance window'}
    >
      <label>
        Name
        <input value={id} onChange={(e) => setId(e.target.value)} required disabled={initial !== undefined} pattern="[A-Za-z0-9_.\-]+" />
      </label>
      <label>
        Starts (cron, UTC)
        <input value={schedule} onChange={(e) => setSchedule(e.target.value)} required />
      </label>
      <label>
        Lasts
        <input value={duration} onChange={(e) => setDuration(e.target.value)} required />
      </label>
      <label>
        Matching
        <input value={match} onChange={(e) => setMatch(e.target.value)} />
      </label>
      <label>
        Comment
        <input value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <SaveCancel editing={initial !== undefined} createLabel="Create window" onCancel={onDone} error={error} />
    </form>
  );
}

const ALERT_COLUMNS: Column<Alert>[] = [
  { head: 'State', cell: (a) => <StatusBadge status={a.state} /> },
  { head: 'Severity', cell: (a) => <SeverityBadge severity={a.severity} /> },
  { head: 'Rule', cell: (a) => a.rule },
  { head: 'Labels', cell: (a) => <LabelChips labels={a.labels} /> },
  {
    head: 'Value',
    cell: (a) => (
      <>
        {formatValue(a.value, 'none')} <span className="muted">({a.expectedText})</span>
      </>
    ),
  },
  { head: 'Since', cell: (a) => <Ago t={a.firedAt ?? a.activeSince} /> },
  {
    head: 'Why',
    cell: (a) => (
      <>
        {a.reason} {a.incidentId && <Link to={`/incidents/${encodeURIComponent(a.incidentId)}`}>incident</Link>}
      </>
    ),
  },
];

const RULE_COLUMNS: Column<RuleRow>[] = [
  {
    head: 'Rule',
    cell: (r) => (
      <>
        {r.name} {r.enabled === false && <span className="badge">disabled</span>}
      </>
    ),
  },
  { head: 'Type', cell: (r) => r.type ?? r.kind },
  { head: 'Severity', cell: (r) => (r.severity ? <SeverityBadge severity={r.severity} /> : '–') },
  {
    head: 'Measured precision',
    title: "Share of this rule's reviewed alerts that people acted on",
    cellTitle: (r) => precisionText(r.precision).detail,
    cell: (r) => {
      const p = precisionText(r.precision);
      return (
        <>
          {p.text} {p.detail && <span className="muted small">{p.detail}</span>}
        </>
      );
    },
  },
  { head: 'Description', cell: (r) => r.description ?? '' },
];

const SILENCE_COLUMNS: Column<Silence>[] = [
  { head: 'Matching', cell: (x) => <code>{x.match}</code> },
  {
    head: 'Until',
    cell: (x) => (
      <>
        {formatTime(x.endsAt)} {x.endsAt < Date.now() && <span className="badge">expired</span>}
      </>
    ),
  },
  { head: 'Comment', cell: (x) => x.comment },
  { head: 'By', cell: (x) => x.createdBy },
];

const MAINTENANCE_COLUMNS: Column<Maintenance>[] = [
  { head: 'Name', cell: (m) => m.id },
  { head: 'Starts (UTC cron)', cell: (m) => <code>{m.schedule}</code> },
  { head: 'Lasts', cell: (m) => formatDuration(m.duration) },
  { head: 'Matching', cell: (m) => <code>{m.match}</code> },
  { head: 'Comment', cell: (m) => m.comment },
];

/** Alerts: firing and pending alerts, rules with measured precision, silences and maintenance windows (CRUD). */
export function AlertsPage({ me }: { me: Me }) {
  const alerts = useApi<unknown>('/api/v1/alerts', 15_000);
  const rules = useApi<unknown>('/api/v1/rules', 60_000);
  const silences = useApi<unknown>('/api/v1/silences', 60_000);
  const maint = useApi<unknown>('/api/v1/maintenance', 60_000);
  useStream({ alert: () => alerts.reload() });
  const [error, setError] = useState<string | undefined>();
  const canWrite = me.role === 'editor' || me.role === 'admin';
  const active = (unwrap<Alert[]>(alerts.data, 'alerts') ?? [])
    .filter((a) => a.state !== 'resolved')
    .sort((a, b) => (a.state === b.state ? b.activeSince - a.activeSince : a.state === 'firing' ? -1 : 1));
  const ruleList = unwrap<RuleRow[]>(rules.data, 'rules') ?? [];
  const silenceList = unwrap<Silence[]>(silences.data, 'silences') ?? [];
  const maintList = unwrap<Maintenance[]>(maint.data, 'maintenance') ?? [];
  return (
    <div className="page alerts" data-page="alerts">
      <PageHeader title="Alerts" />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <Panel title={`Firing and pending (${active.length})`}>
        <LoadState loading={alerts.loading && !alerts.data} error={alerts.error} what="Alerts" />
        {alerts.data !== undefined && active.length === 0 && <p className="empty">No alert is firing or pending.</p>}
        {active.length > 0 && <ListTable rows={active} columns={ALERT_COLUMNS} rowKey={(a) => a.id} />}
      </Panel>
      <Panel title="Rules">
        <LoadState loading={rules.loading && !rules.data} error={rules.error} what="Rules" />
        {rules.data !== undefined && ruleList.length === 0 && <p className="empty">No rules configured.</p>}
        {ruleList.length > 0 && <ListTable rows={ruleList} columns={RULE_COLUMNS} rowKey={(r) => r.name} />}
      </Panel>
      <CrudPanel
        title="Silences"
        newLabel="New silence"
        what="Silences"
        emptyText="No silences."
        path="/api/v1/silences"
        source={silences}
        rows={silenceList}
        columns={SILENCE_COLUMNS}
        canWrite={canWrite}
        form={(initial, onDone) => <SilenceForm initial={initial} onDone={onDone} />}
        onError={setError}
      />
      <CrudPanel
        title="Maintenance windows"
        newLabel="New window"
        what="Maintenance windows"
        emptyText="No maintenance windows."
        path="/api/v1/maintenance"
        source={maint}
        rows={maintList}
        columns={MAINTENANCE_COLUMNS}
        canWrite={canWrite}
        form={(initial, onDone) => <MaintenanceForm initial={initial} onDone={onDone} />}
        onError={setError}
      />
    </div>
  );
}
