// Shapes of Vigil's API as the dashboard reads them; they mirror src/core/types.ts, src/alerting/types.ts
// and src/api/routes/hosts.ts (the web app has its own tsconfig and does not import server code).

/** Severity of an anomaly, alert or incident. */
export type Severity = 'info' | 'warning' | 'critical';

/** A scored deviation on one series (src/core/types.ts `Anomaly`). */
export interface Anomaly {
  tenant: string;
  series: string;
  labels: Record<string, string>;
  t: number;
  value: number;
  score: number;
  severity: Severity;
  expected: [number, number];
  detectors: string[];
  reason: string;
}

/** One host of `GET /api/v1/hosts`. */
export interface HostSummary {
  host: string;
  hostId: string | null;
  labels: Record<string, string>;
  lastSeen: number | null;
  status: 'up' | 'down' | 'learning';
  cpuPct: number | null;
  memPct: number | null;
  diskPct: number | null;
  diskMount: string | null;
  load1: number | null;
}

/** `GET /api/v1/hosts`. */
export interface HostsResponse {
  hosts: HostSummary[];
  now: number;
  staleAfterMs: number;
}

/** One contributing series of an incident. */
export interface IncidentMember {
  alertId: string;
  rule: string;
  kind: string;
  series: string;
  labels: Record<string, string>;
  host: string | null;
  severity: Severity;
  score: number;
  value: number | null;
  expected: [number, number] | null;
  expectedText: string;
  reason: string;
  detectors: string[];
  firstAt: number;
  lastAt: number;
  active: boolean;
}

/** An incident (src/alerting/types.ts `Incident`). */
export interface Incident {
  id: string;
  status: 'open' | 'resolved';
  severity: Severity;
  title: string;
  startedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
  ack: { by: string; at: number } | null;
  hosts: string[];
  members: IncidentMember[];
  history: { t: number; type: string; by: string; text: string }[];
  feedback: { kind: 'expected' | 'anomaly'; by: string; at: number } | null;
}

/** An alert (src/alerting/types.ts `Alert`). */
export interface Alert {
  id: string;
  rule: string;
  kind: string;
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'resolved';
  severity: Severity;
  activeSince: number;
  firedAt: number | null;
  resolvedAt: number | null;
  value: number | null;
  expectedText: string;
  reason: string;
  incidentId: string | null;
}

/** The signed-in identity (`GET /api/v1/me`). */
export interface Me {
  name: string;
  role: 'viewer' | 'editor' | 'admin' | 'agent';
  tenant: string;
  kind?: string;
}

/** Accepts `{ key: T }` or `T` itself: list routes wrap their payload in an object named after it. */
export function unwrap<T>(r: unknown, key: string): T | undefined {
  if (r && typeof r === 'object' && key in r) return (r as Record<string, T>)[key];
  return r as T | undefined;
}
