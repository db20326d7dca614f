import type { Scenario } from './scenarios.js';

/**
 * One notification as a user received it — when, which hosts it names, and its text — or, for the pre-filled
 * history, an incident Vigil opened then (the replay may clear it before a notification goes out).
 */
export interface ReceivedAlert {
  /** Simulated time it was received (ms). */
  t: number;
  hosts: string[];
  /** Title and explanation as sent. */
  text: string;
}

/** One scenario's line of the scorecard (DESIGN.md, "Measuring"). */
export interface ScenarioScore {
  name: string;
  expected: boolean;
  caught: boolean;
  /** Seconds of simulated time from the scenario's start to the first alert about it; null when not caught. */
  delay_s: number | null;
  /** The first alert's text, or null. */
  explanation: string | null;
  /** For a caught scenario: whether the explanation names one of its hosts and its metric. */
  explanation_ok: boolean | null;
}

/** The demo's scorecard. */
export interface Scorecard {
  scenarios: ScenarioScore[];
  /** Alerts during the live phase about hosts where no alert was expected at that time. */
  false_alerts: number;
  /** Alerts raised while the history was pre-filled (every one false: the history is normal behaviour). */
  history_alerts: number;
}

/** Grace after a scenario ends during which an alert about it still counts as caught (e.g. host down). */
const GRACE_MS = 10 * 60_000;

/**
 * Scores received alerts against the injected scenarios: a scenario is caught when an alert names one of its
 * hosts between its start and its end (plus grace); every other alert is false — on healthy hosts, and on
 * scenarios that should not alert (log rotation) — and counted apart when it came before `liveStart`, about
 * the pre-filled history.
 */
export function scoreDemo(
  scenarios: readonly Scenario[],
  alerts: readonly ReceivedAlert[],
  endOfRun: number,
  liveStart = Number.NEGATIVE_INFINITY,
): Scorecard {
  const used = new Set<ReceivedAlert>();
  const out: ScenarioScore[] = [];
  for (const s of scenarios) {
    const until = Math.min(endOfRun, s.end === Number.POSITIVE_INFINITY ? endOfRun : s.end + GRACE_MS);
    const about = alerts.filter((a) => a.t >= s.start && a.t <= until && a.hosts.some((h) => s.hosts.includes(h)));
    if (s.expected) for (const a of about) used.add(a);
    const first = about[0];
    const caught = s.expected && first !== undefined;
    out.push({
      name: s.name,
      expected: s.expected,
      caught: first !== undefined,
      delay_s: first ? Math.round((first.t - s.start) / 1000) : null,
      explanation: first ? first.text : null,
      explanation_ok: caught ? s.hosts.some((h) => first.text.includes(h)) && first.text.toLowerCase().includes(s.metricHint) : null,
    });
  }
  const unexpected = alerts.filter((a) => !used.has(a));
  const history = unexpected.filter((a) => a.t < liveStart).length;
  return { scenarios: out, false_alerts: unexpected.length - history, history_alerts: history };
}
