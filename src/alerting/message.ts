import { formatDuration, type Labels } from '../core/index.js';
import type { Incident, IncidentMember, NotificationItem, NotificationKind, NotificationMessage } from './types.js';

const HIDDEN_LABELS = new Set(['__name__', 'host', 'tenant']);

function trimNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

/** Formats a value in the unit its metric name implies (`_bytes`, `_ratio`, `_seconds`, `_percent`). */
export function formatValue(metric: string, v: number | null): string {
  if (v === null) return 'no data';
  if (!Number.isFinite(v)) return String(v);
  if (metric.endsWith('_bytes')) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let x = Math.abs(v);
    let u = 0;
    while (x >= 1024 && u < units.length - 1) {
      x /= 1024;
      u++;
    }
    return `${v < 0 ? '-' : ''}${trimNumber(x)} ${units[u]}`;
  }
  if (metric.endsWith('_ratio')) return `${trimNumber(v * 100)}%`;
  if (metric.endsWith('_percent')) return `${trimNumber(v)}%`;
  if (metric.endsWith('_seconds')) return formatDuration(v * 1000);
  return trimNumber(v);
}

/** Where a series is: its host plus the labels that distinguish it (`web-1 mountpoint=/var`). */
export function describeWhere(labels: Labels): string {
  const rest = Object.keys(labels)
    .filter((k) => !HIDDEN_LABELS.has(k))
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return [labels.host ?? '', ...rest].filter((s) => s !== '').join(' ') || '(all)';
}

function deviation(m: IncidentMember, metric: string): string {
  if (m.value === null) return m.kind === 'absence' ? 'no data' : '';
  if (m.expected === null) return '';
  const [lo, hi] = m.expected;
  const v = m.value;
  if (v >= lo && v <= hi) return 'within the expected range';
  const edge = v > hi ? hi : lo;
  const dir = v > hi ? 'above' : 'below';
  const delta = formatValue(metric, Math.abs(v - edge));
  const width = Math.abs(hi - lo);
  const rel = edge !== 0 ? ` (${trimNumber((Math.abs(v - edge) / Math.abs(edge)) * 100, 2)}%)` : '';
  const band = width > 0 ? `, ${trimNumber(Math.abs(v - edge) / width, 2)}× the band width` : '';
  return `${delta}${rel} ${dir} the expected ${dir === 'above' ? 'upper' : 'lower'} bound${band}`;
}

/** Turns an incident member into the lines a person reads: what, where, since when, actual vs expected. */
export function toItem(m: IncidentMember): NotificationItem {
  const metric = m.labels.__name__ ?? m.rule;
  return {
    what: metric,
    where: describeWhere(m.labels),
    labels: m.labels,
    severity: m.severity,
    since: m.firstAt,
    actual: formatValue(metric, m.value),
    expected:
      m.expected !== null ? `${formatValue(metric, m.expected[0])} – ${formatValue(metric, m.expected[1])}` : m.expectedText || 'n/a',
    deviation: deviation(m, metric),
    reason: m.reason,
    rule: m.rule,
    detectors: m.detectors,
    score: m.score,
    active: m.active,
  };
}

/** Builds the notification describing an incident at its current version. */
export function buildMessage(inc: Incident, kind: NotificationKind, publicUrl: string, maxItems: number, now: number): NotificationMessage {
  return {
    kind,
    tenant: inc.tenant,
    incidentId: inc.id,
    title: inc.title,
    status: inc.status === 'open' ? 'firing' : 'resolved',
    severity: inc.severity,
    startedAt: inc.startedAt,
    resolvedAt: inc.resolvedAt,
    hosts: inc.hosts,
    ack: inc.ack,
    items: inc.members.slice(0, maxItems).map(toItem),
    link: `${publicUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(inc.id)}`,
    version: inc.version,
    createdAt: now,
  };
}

function iso(t: number): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** One-line subject: `[FIRING critical] web-1: node_load1 …`. */
export function subjectOf(msg: NotificationMessage): string {
  const tag = msg.kind === 'test' ? 'TEST' : msg.status === 'resolved' ? 'RESOLVED' : msg.kind === 'update' ? 'UPDATED' : 'FIRING';
  return `[${tag} ${msg.severity}] ${msg.title}`;
}

/** Plain-text rendering (e-mail text part, logs). */
export function renderText(msg: NotificationMessage): string {
  const lines: string[] = [subjectOf(msg), ''];
  lines.push(`Since: ${iso(msg.startedAt)}${msg.resolvedAt !== null ? `   Resolved: ${iso(msg.resolvedAt)}` : ''}`);
  lines.push(`Hosts: ${msg.hosts.join(', ') || '(none)'}`);
  if (msg.ack !== null) lines.push(`Acknowledged by ${msg.ack.by} at ${iso(msg.ack.at)}`);
  lines.push('');
  msg.items.forEach((it, i) => {
    lines.push(`${i === 0 ? 'Main:' : `#${i + 1}:`} ${it.what} on ${it.where} (${it.severity}${it.active ? '' : ', resolved'})`);
    lines.push(`  actual ${it.actual}, expected ${it.expected}${it.deviation ? ` — ${it.deviation}` : ''}`);
    lines.push(`  since ${iso(it.since)}; rule ${it.rule}${it.detectors.length ? `; detectors ${it.detectors.join(', ')}` : ''}`);
    if (it.reason) lines.push(`  why: ${it.reason}`);
  });
  lines.push('', `Open in Vigil: ${msg.link}`);
  return lines.join('\n');
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** HTML rendering (e-mail HTML part). */
export function renderHtml(msg: NotificationMessage): string {
  const color = msg.status === 'resolved' ? '#2e7d32' : msg.severity === 'critical' ? '#c62828' : '#ef6c00';
  const rows = msg.items
    .map(
      (it) =>
        `<tr><td><b>${escapeHtml(it.what)}</b><br>${escapeHtml(it.where)}</td><td>${escapeHtml(it.severity)}${it.active ? '' : ' (resolved)'}</td>` +
        `<td>${escapeHtml(it.actual)}</td><td>${escapeHtml(it.expected)}</td><td>${escapeHtml(it.deviation)}</td>` +
        `<td>${escapeHtml(iso(it.since))}</td><td>${escapeHtml(it.reason)}</td></tr>`,
    )
    .join('');
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="color:${color}">${escapeHtml(subjectOf(msg))}</h2>`,
    `<p>Since ${escapeHtml(iso(msg.startedAt))}${msg.resolvedAt !== null ? `, resolved ${escapeHtml(iso(msg.resolvedAt))}` : ''}. Hosts: ${escapeHtml(msg.hosts.join(', ') || '(none)')}.`,
    msg.ack !== null ? ` Acknowledged by ${escapeHtml(msg.ack.by)}.` : '',
    '</p>',
    '<table border="1" cellpadding="4" cellspacing="0"><tr><th>What / where</th><th>Severity</th><th>Actual</th><th>Expected</th><th>Deviation</th><th>Since</th><th>Why</th></tr>',
    rows,
    '</table>',
    `<p><a href="${escapeHtml(msg.link)}">Open the incident in Vigil</a></p>`,
    '</body></html>',
  ].join('');
}
