import { randomUUID } from 'node:crypto';
import type { Severity } from '../core/index.js';
import type { Alert, Incident, IncidentMember } from './types.js';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Orders severities: higher is worse. */
export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/** Grouping windows (from the `incidents` config). */
export interface GroupingWindows {
  hostWindow: number;
  coStartWindow: number;
}

/**
 * The open incident a newly firing alert joins: the most recent open incident on the same host that was active
 * within `hostWindow`, else the most recent open incident (any host) that started within `coStartWindow`; null
 * when the alert starts a new incident.
 */
export function findIncidentFor(open: readonly Incident[], host: string | null, now: number, w: GroupingWindows): Incident | null {
  let best: Incident | null = null;
  if (host !== null) {
    for (const inc of open) {
      if (inc.status !== 'open' || !inc.hosts.includes(host) || now - inc.updatedAt > w.hostWindow) continue;
      if (best === null || inc.updatedAt > best.updatedAt) best = inc;
    }
    if (best !== null) return best;
  }
  for (const inc of open) {
    if (inc.status !== 'open' || now - inc.startedAt > w.coStartWindow) continue;
    if (best === null || inc.startedAt > best.startedAt) best = inc;
  }
  return best;
}

/** An incident member describing an alert. */
export function memberOf(a: Alert, now: number): IncidentMember {
  return {
    alertId: a.id,
    rule: a.rule,
    kind: a.kind,
    series: a.series,
    labels: a.labels,
    host: a.labels.host ?? null,
    severity: a.severity,
    score: a.score,
    value: a.value,
    expected: a.expected,
    expectedText: a.expectedText,
    reason: a.reason,
    detectors: a.detectors,
    firstAt: a.firedAt ?? now,
    lastAt: now,
    active: a.state === 'firing',
  };
}

/** Ranks members by contribution: active first, then severity, anomaly score, and who started first. */
export function rankMembers(members: IncidentMember[]): void {
  members.sort(
    (a, b) =>
      Number(b.active) - Number(a.active) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      b.score - a.score ||
      a.firstAt - b.firstAt ||
      a.series.localeCompare(b.series),
  );
}

function phrase(m: IncidentMember): string {
  switch (m.kind) {
    case 'anomaly':
      return 'anomalous';
    case 'threshold':
      return `breached ${m.expectedText.replace(/^expected /, '')}`;
    case 'forecast':
      return 'forecast to cross its limit';
    case 'absence':
      return 'sends no data';
  }
}

/** Recomputes hosts, severity and title after members changed. */
export function summarise(inc: Incident): void {
  rankMembers(inc.members);
  inc.hosts = [...new Set(inc.members.map((m) => m.host).filter((h): h is string => h !== null))].sort();
  let sev: Severity = 'info';
  for (const m of inc.members) if (severityRank(m.severity) > severityRank(sev)) sev = m.severity;
  inc.severity = sev;
  const main = inc.members[0];
  if (main === undefined) return;
  const what = main.kind === 'absence' ? 'host' : (main.labels.__name__ ?? main.rule);
  const more = inc.members.length - 1;
  const hosts = inc.hosts.length;
  const suffix = more > 0 ? ` (+${more} more${hosts > 1 ? ` on ${hosts} hosts` : ''})` : '';
  inc.title = `${main.host ?? main.rule}: ${what} ${phrase(main)}${suffix}`;
}

/** Opens an incident for a firing alert. */
export function openIncident(a: Alert, now: number): Incident {
  const inc: Incident = {
    id: randomUUID(),
    tenant: a.tenant,
    status: 'open',
    severity: a.severity,
    title: '',
    startedAt: now,
    updatedAt: now,
    resolvedAt: null,
    resolvedBy: null,
    ack: null,
    hosts: [],
    members: [memberOf(a, now)],
    history: [{ t: now, type: 'opened', by: 'vigil', text: `opened by ${a.rule} on ${a.labels.host ?? a.series}` }],
    feedback: null,
    version: 1,
    notify: {},
  };
  summarise(inc);
  return inc;
}

/** Adds a firing alert to an incident (or refreshes its member); returns true when the incident grew. */
export function addMember(inc: Incident, a: Alert, now: number): boolean {
  inc.updatedAt = now;
  const before = inc.severity;
  const existing = inc.members.find((m) => m.alertId === a.id);
  if (existing !== undefined) {
    Object.assign(existing, { ...memberOf(a, now), firstAt: existing.firstAt });
    summarise(inc);
    if (severityRank(inc.severity) <= severityRank(before)) return false;
    // An escalation (warning → critical) is news: it is notified as an update.
    inc.history.push({ t: now, type: 'member_added', by: 'vigil', text: `escalated to ${inc.severity} by ${a.series}` });
    inc.version++;
    return true;
  }
  inc.members.push(memberOf(a, now));
  inc.history.push({ t: now, type: 'member_added', by: 'vigil', text: `${a.rule}: ${a.series} joined` });
  summarise(inc);
  inc.version++;
  return true;
}

/** Caps an incident's history so a long-lived incident stays a small row. */
export function trimHistory(inc: Incident, max = 500): void {
  if (inc.history.length > max) inc.history.splice(1, inc.history.length - max);
}
