import type { ReactNode } from 'react';
import { ApiError } from '../lib/api.js';
import { formatAgo, formatTime } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import type { Severity } from '../lib/types.js';

/** A page's title row with optional actions on the right. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </div>
  );
}

/** A titled panel. */
export function Panel({ title, children, actions, id }: { title: string; children: ReactNode; actions?: ReactNode; id?: string }) {
  return (
    <section className="panel" aria-labelledby={id ? `${id}-title` : undefined}>
      <header>
        <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** What a panel shows while loading, on error, when the route is missing, or when empty. */
export function LoadState({ loading, error, what }: { loading?: boolean; error?: Error | undefined; what: string }) {
  if (error instanceof ApiError && error.unavailable) {
    return (
      <p className="empty" data-empty="unavailable">
        {what} are not available on this server yet ({error.status}: {error.message}).
      </p>
    );
  }
  if (error) {
    return (
      <p className="error" role="alert">
        Could not load {what.toLowerCase()}: {error.message}
      </p>
    );
  }
  if (loading) return <p className="empty">Loading {what.toLowerCase()}…</p>;
  return null;
}

/** Severity as a coloured label with its name (never colour alone). */
export function SeverityBadge({ severity }: { severity: Severity | string }) {
  const icon = severity === 'critical' ? '▲' : severity === 'warning' ? '◆' : '●';
  return (
    <span className={`badge sev-${severity}`}>
      <span aria-hidden="true">{icon}</span> {severity}
    </span>
  );
}

/** Host or alert status as a coloured label with its name. */
export function StatusBadge({ status }: { status: string }) {
  const icon = status === 'up' || status === 'resolved' ? '✓' : status === 'down' || status === 'firing' ? '✕' : '…';
  return (
    <span className={`badge status-${status}`}>
      <span aria-hidden="true">{icon}</span> {status}
    </span>
  );
}

/** A time shown relative ("3 min ago") with the absolute time on hover. */
export function Ago({ t }: { t: number | null | undefined }) {
  if (t === null || t === undefined) return <span>–</span>;
  return (
    <time dateTime={new Date(t).toISOString()} title={formatTime(t)}>
      {formatAgo(t)}
    </time>
  );
}

/** A horizontal percentage bar with its number. */
export function PctBar({ value, warn = 80, crit = 90 }: { value: number | null; warn?: number; crit?: number }) {
  if (value === null || !Number.isFinite(value)) return <span className="muted">–</span>;
  const cls = value >= crit ? 'crit' : value >= warn ? 'warn' : 'ok';
  return (
    <span className="pct" title={`${value.toFixed(1)}%`}>
      <span className="pct-track">
        <span className={`pct-bar ${cls}`} style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
      </span>
      <span className="pct-num">{value.toFixed(0)}%</span>
    </span>
  );
}

/** Labels as small chips `k=v`. */
export function LabelChips({ labels, skip = [] }: { labels: Record<string, string>; skip?: string[] }) {
  const keys = Object.keys(labels)
    .filter((k) => !skip.includes(k) && k !== '__name__')
    .sort();
  return (
    <span className="chips">
      {keys.map((k) => (
        <span key={k} className="chip">
          {k}={labels[k]}
        </span>
      ))}
    </span>
  );
}

/** An internal link that navigates without reloading. */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={to}
      className={className}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
