import type { Labels, Severity } from '../core/index.js';

/**
 * A forecast that a capacity series will cross a limit, as the forecasting engine reports it to alerting.
 * Times are Unix ms; `eta` is null when the forecast sees no crossing ("no ETA").
 */
export interface ForecastSignal {
  /** Canonical series key (`seriesKey(labels)`). */
  series: string;
  labels: Labels;
  /** When the forecast was made. */
  t: number;
  /** Current value of the series. */
  value: number;
  /** The limit whose crossing is forecast (e.g. the filesystem size). */
  limit: number;
  /** Forecast time of crossing, or null when none is expected. */
  eta: number | null;
  /** Earliest and latest plausible crossing times (interval bounds), null when unbounded. */
  etaLow: number | null;
  etaHigh: number | null;
  /** Horizon the forecast covers (ms from `t`). */
  horizon: number;
  /** Probability in [0, 1] that the limit is crossed within `horizon`. */
  probability: number;
  /**
   * Probability of crossing within any span (ms from `t`). With it, a rule with a shorter horizon than the
   * forecast's (disk full within 24 h from a 7-day forecast) uses the right probability; without it, such a rule
   * also requires the point ETA inside its horizon and uses `probability`, which then overstates.
   */
  probabilityWithin?: (withinMs: number) => number;
}

/** The kinds of alert rule. */
export type RuleKind = 'threshold' | 'anomaly' | 'forecast' | 'absence';

/** State of one alert: pending until `for` has elapsed, firing, then resolved. */
export type AlertState = 'pending' | 'firing' | 'resolved';

/** What people did about an alert, used for precision tracking. */
export type AlertOutcome = 'acted' | 'false_positive' | 'unreviewed';

/** A rule's state for one label set; plain data, persisted in the alerting database. */
export interface Alert {
  id: string;
  tenant: string;
  /** Name of the rule that produced it. */
  rule: string;
  kind: RuleKind;
  /** Identity of the alert within its rule: the series or host labels it is about. */
  key: string;
  labels: Labels;
  state: AlertState;
  severity: Severity;
  /** When the condition first became true (start of pending). */
  activeSince: number;
  firedAt: number | null;
  resolvedAt: number | null;
  /** Last time the condition was observed true. */
  lastTrueAt: number;
  /** Series the alert is about (the series key), or the host label for host-scoped alerts. */
  series: string;
  /** Latest observed value. */
  value: number | null;
  /** What was expected: a band from the detector, or the rule's limit. */
  expected: [number, number] | null;
  /** Human description of the expectation, e.g. "< 90" or "data every 15s". */
  expectedText: string;
  /** Highest anomaly score seen (anomaly alerts), else 1 while firing. */
  score: number;
  /** Detectors that fired (anomaly alerts). */
  detectors: string[];
  /** One human sentence saying why. */
  reason: string;
  incidentId: string | null;
  outcome: AlertOutcome;
}

/** One series or rule contributing to an incident. */
export interface IncidentMember {
  alertId: string;
  rule: string;
  kind: RuleKind;
  series: string;
  labels: Labels;
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

/** One line of an incident's history. */
export interface IncidentEvent {
  t: number;
  type: 'opened' | 'member_added' | 'member_resolved' | 'acked' | 'unacked' | 'resolved' | 'feedback' | 'notified' | 'muted';
  /** Who did it; `vigil` for automatic events. */
  by: string;
  text: string;
}

/** Notification bookkeeping of one incident for one route. */
export interface RouteNotifyState {
  /** Incident version last sent (0 = never). */
  sentVersion: number;
  lastSentAt: number | null;
  /** Whether the resolution was sent. */
  resolvedSent: boolean;
  /** Whether the last decision was to mute (so the end of the mute is logged once). */
  muted: boolean;
}

/** Anomalies and alerts that started together, handled as one unit. */
export interface Incident {
  id: string;
  tenant: string;
  status: 'open' | 'resolved';
  severity: Severity;
  title: string;
  startedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
  ack: { by: string; at: number } | null;
  hosts: string[];
  /** Ranked by contribution, strongest first. */
  members: IncidentMember[];
  history: IncidentEvent[];
  /** Marked "expected" (false positive) by someone. */
  feedback: { kind: 'expected' | 'anomaly'; by: string; at: number } | null;
  /** Bumped on every change notifications should carry. */
  version: number;
  notify: Record<string, RouteNotifyState>;
}

/** Why a notification is sent. */
export type NotificationKind = 'firing' | 'update' | 'repeat' | 'resolved' | 'test';

/** One member line of a notification: the why, ready to render. */
export interface NotificationItem {
  /** What: the metric or rule. */
  what: string;
  /** Where: host and the distinguishing labels. */
  where: string;
  labels: Labels;
  severity: Severity;
  since: number;
  /** Actual value, formatted. */
  actual: string;
  /** Expected band or limit, formatted. */
  expected: string;
  /** Deviation from the expectation, formatted ("+62% above the upper bound"). */
  deviation: string;
  reason: string;
  rule: string;
  detectors: string[];
  score: number;
  active: boolean;
}

/** Everything a channel needs to render one notification; stored as is in the outbox. */
export interface NotificationMessage {
  kind: NotificationKind;
  tenant: string;
  incidentId: string;
  title: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  startedAt: number;
  resolvedAt: number | null;
  hosts: string[];
  ack: { by: string; at: number } | null;
  /** Strongest first; the first is the headline, the rest are the incident's other members. */
  items: NotificationItem[];
  /** Link to the incident in the dashboard. */
  link: string;
  /** Incident version this notification describes. */
  version: number;
  /** When the notification was created. */
  createdAt: number;
}

/** Identity of one delivery attempt, sent to the receiver so it can de-duplicate. */
export interface DeliveryContext {
  /** Stable id of the notification: the same on every retry. */
  id: string;
  /** 1-based attempt number; `${id}:${attempt}` is sent at most once. */
  attempt: number;
}
