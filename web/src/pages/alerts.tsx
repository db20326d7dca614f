import { type FormEvent, useState } from 'react';
import { Ago, LabelChips, Link, LoadState, PageHeader, Panel, SeverityBadge, StatusBadge } from '../components/ui.js';
import { api } from '../lib/api.js';
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
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { match, endsAt: new Date(endsAt).getTime(), comment, ...(initial?.startsAt ? { startsAt: initial.startsAt } : {}) };
    try {
      if (initial) await api(`/api/v1/silences/${encodeURIComponent(initial.id)}`, { method: 'PUT', body });
      else await api('/api/v1/silences', { method: 'POST', body });
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label={initial ? 'Edit silence' : 'New silence'}>
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
      <button type="submit" className="primary">
        {initial ? 'Save' : 'Create silence'}
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {error && <p className="error">{error}</p>}
    </form>
  );
}

function MaintenanceForm({ initial, onDone }: { initial?: Maintenance; onDone: () => void }) {
  const [id, setId] = useState(initial?.id ?? 'weekly-patching');
  const [schedule, setSchedule] = useState(initial?.schedule ?? '0 3 * * 0');
  const [duration, setDuration] = useState(initial ? `${Math.round(initial.duration / 60_000)}m` : '2h');
  const [match, setMatch] = useState(initial?.match ?? '{env="prod"}');
  const [comment, setComment] = useState(initial?.comment ?? '');
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { id, schedule, duration, match, comment };
    try {
      if (initial) await api(`/api/v1/maintenance/${encodeURIComponent(initial.id)}`, { method: 'PUT', body });
      else await api('/api/v1/maintenance', { method: 'POST', body });
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form
      className="inline-form"
      onSubmit={(e) => void submit(e)}
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
      <button type="submit" className="primary">
        {initial ? 'Save' : 'Create window'}
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {error && <p className="error">{error}</p>}
    </form>
  );
}

/** Alerts: firing and pending alerts, rules with measured precision, silences and maintenance windows (CRUD). */
export function AlertsPage({ me }: { me: Me }) {
  const alerts = useApi<unknown>('/api/v1/alerts', 15_000);
  const rules = useApi<unknown>('/api/v1/rules', 60_000);
  const silences = useApi<unknown>('/api/v1/silences', 60_000);
  const maint = useApi<unknown>('/api/v1/maintenance', 60_000);
  useStream({ alert: () => alerts.reload() });
  const [editSilence, setEditSilence] = useState<Silence | 'new' | undefined>();
  const [editMaint, setEditMaint] = useState<Maintenance | 'new' | undefined>();
  const [error, setError] = useState<string | undefined>();
  const canWrite = me.role === 'editor' || me.role === 'admin';
  const active = (unwrap<Alert[]>(alerts.data, 'alerts') ?? [])
    .filter((a) => a.state !== 'resolved')
    .sort((a, b) => (a.state === b.state ? b.activeSince - a.activeSince : a.state === 'firing' ? -1 : 1));
  const ruleList = unwrap<RuleRow[]>(rules.data, 'rules') ?? [];
  const silenceList = unwrap<Silence[]>(silences.data, 'silences') ?? [];
  const maintList = unwrap<Maintenance[]>(maint.data, 'maintenance') ?? [];
  const remove = async (path: string, reload: () => void) => {
    if (!confirm('Delete it?')) return;
    try {
      await api(path, { method: 'DELETE' });
      reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
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
        {active.length > 0 && (
          <table className="list">
            <thead>
              <tr>
                <th>State</th>
                <th>Severity</th>
                <th>Rule</th>
                <th>Labels</th>
                <th>Value</th>
                <th>Since</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {active.map((a) => (
                <tr key={a.id}>
                  <td>
                    <StatusBadge status={a.state} />
                  </td>
                  <td>
                    <SeverityBadge severity={a.severity} />
                  </td>
                  <td>{a.rule}</td>
                  <td>
                    <LabelChips labels={a.labels} />
                  </td>
                  <td>
                    {formatValue(a.value, 'none')} <span className="muted">({a.expectedText})</span>
                  </td>
                  <td>
                    <Ago t={a.firedAt ?? a.activeSince} />
                  </td>
                  <td>
                    {a.reason} {a.incidentId && <Link to={`/incidents/${encodeURIComponent(a.incidentId)}`}>incident</Link>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Rules">
        <LoadState loading={rules.loading && !rules.data} error={rules.error} what="Rules" />
        {rules.data !== undefined && ruleList.length === 0 && <p className="empty">No rules configured.</p>}
        {ruleList.length > 0 && (
          <table className="list">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Type</th>
                <th>Severity</th>
                <th title="Share of this rule's reviewed alerts that people acted on">Measured precision</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {ruleList.map((r) => {
                const p = precisionText(r.precision);
                return (
                  <tr key={r.name}>
                    <td>
                      {r.name} {r.enabled === false && <span className="badge">disabled</span>}
                    </td>
                    <td>{r.type ?? r.kind}</td>
                    <td>{r.severity ? <SeverityBadge severity={r.severity} /> : '–'}</td>
                    <td title={p.detail}>
                      {p.text} {p.detail && <span className="muted small">{p.detail}</span>}
                    </td>
                    <td>{r.description ?? ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel
        title="Silences"
        actions={
          canWrite && !silences.error ? (
            <button type="button" onClick={() => setEditSilence('new')}>
              New silence
            </button>
          ) : undefined
        }
      >
        <LoadState loading={silences.loading && !silences.data} error={silences.error} what="Silences" />
        {editSilence && (
          <SilenceForm
            initial={editSilence === 'new' ? undefined : editSilence}
            onDone={() => {
              setEditSilence(undefined);
              silences.reload();
            }}
          />
        )}
        {silences.data !== undefined && silenceList.length === 0 && <p className="empty">No silences.</p>}
        {silenceList.length > 0 && (
          <table className="list">
            <thead>
              <tr>
                <th>Matching</th>
                <th>Until</th>
                <th>Comment</th>
                <th>By</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {silenceList.map((s) => (
                <tr key={s.id}>
                  <td>
                    <code>{s.match}</code>
                  </td>
                  <td>
                    {formatTime(s.endsAt)} {s.endsAt < Date.now() && <span className="badge">expired</span>}
                  </td>
                  <td>{s.comment}</td>
                  <td>{s.createdBy}</td>
                  <td className="row-actions">
                    {canWrite && (
                      <>
                        <button type="button" onClick={() => setEditSilence(s)}>
                          Edit
                        </button>
                        <button
                          type="button"
                          className="danger"
                          onClick={() => void remove(`/api/v1/silences/${encodeURIComponent(s.id)}`, silences.reload)}
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel
        title="Maintenance windows"
        actions={
          canWrite && !maint.error ? (
            <button type="button" onClick={() => setEditMaint('new')}>
              New window
            </button>
          ) : undefined
        }
      >
        <LoadState loading={maint.loading && !maint.data} error={maint.error} what="Maintenance windows" />
        {editMaint && (
          <MaintenanceForm
            initial={editMaint === 'new' ? undefined : editMaint}
            onDone={() => {
              setEditMaint(undefined);
              maint.reload();
            }}
          />
        )}
        {maint.data !== undefined && maintList.length === 0 && <p className="empty">No maintenance windows.</p>}
        {maintList.length > 0 && (
          <table className="list">
            <thead>
              <tr>
                <th>Name</th>
                <th>Starts (UTC cron)</th>
                <th>Lasts</th>
                <th>Matching</th>
                <th>Comment</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {maintList.map((m) => (
                <tr key={m.id}>
                  <td>{m.id}</td>
                  <td>
                    <code>{m.schedule}</code>
                  </td>
                  <td>{formatDuration(m.duration)}</td>
                  <td>
                    <code>{m.match}</code>
                  </td>
                  <td>{m.comment}</td>
                  <td className="row-actions">
                    {canWrite && (
                      <>
                        <button type="button" onClick={() => setEditMaint(m)}>
                          Edit
                        </button>
                        <button
                          type="button"
                          className="danger"
                          onClick={() => void remove(`/api/v1/maintenance/${encodeURIComponent(m.id)}`, maint.reload)}
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}
