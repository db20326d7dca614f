import { randomUUID } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { z } from 'zod';
import {
  type Anomaly,
  type Clock,
  DEFAULT_TENANT,
  formatDuration,
  type LabelMatcher,
  type Labels,
  type Logger,
  matchesAll,
  parseSelector,
  type SeriesSamples,
  type SsrfGuardOptions,
  seriesKey,
  systemClock,
  VigilError,
} from '../core/index.js';
import type { Querier } from '../tsdb/index.js';
import type { Notifier } from './channel.js';
import {
  type AlertingConfig,
  type ChannelConfig,
  channelSchema,
  DEFAULT_RULES,
  maintenanceSchema,
  type Rule,
  ruleSchema,
  silenceSchema,
} from './config.js';
import { addMember, findIncidentFor, openIncident, severityRank, summarise, trimHistory } from './incidents.js';
import { buildMessage, formatValue } from './message.js';
import { ALL_TENANTS, type MaintenanceWindow, MuteIndex, type Silence } from './mutes.js';
import { createNotifier, maskChannel, unmaskChannel } from './notifiers.js';
import { Outbox } from './outbox.js';
import { type CompiledRoute, compileRoutes, type ResolvedRoute, routeIncident } from './routing.js';
import { AlertingStore, type ObjectKind } from './store.js';
import type { Alert, ForecastSignal, Incident, NotificationKind, RouteNotifyState, RuleKind } from './types.js';

/** Called with false-positive ("expected") or confirmed ("anomaly") feedback for one series over a time range. */
export type FeedbackFn = (tenant: string, series: string, start: number, end: number, kind: 'expected' | 'anomaly') => Promise<void>;

/** Options of the alert manager. */
export interface AlertManagerOptions {
  /** Directory of `alerting.db`. */
  dataDir: string;
  logger: Logger;
  registry?: Registry;
  clock?: Clock;
  /** Base URL of the dashboard, for links in notifications. */
  publicUrl: string;
  /** Reads latest samples for threshold and absence rules. */
  querier: Querier;
  config: AlertingConfig;
  /** The detection engine's feedback hook. */
  feedback?: FeedbackFn;
  /** How often the outbox looks for due retries when not kicked (ms; default 500). */
  outboxPollInterval?: number;
}

/** A change the live stream and the dashboard want to hear about; objects are the manager's own: do not mutate. */
export type AlertingEvent =
  | { type: 'alert'; alert: Readonly<Alert> }
  | { type: 'incident'; change: 'opened' | 'updated' | 'acked' | 'unacked' | 'resolved' | 'feedback'; incident: Readonly<Incident> };

/** The outgoing-request guard of an alerting configuration. */
function guardOf(cfg: AlertingConfig): SsrfGuardOptions {
  return { allowPrivate: cfg.allowPrivateTargets, allowHosts: cfg.allowHosts };
}

/** Where a rule comes from: shipped defaults, the configuration file, or the API. */
export type RuleSource = 'default' | 'config' | 'api';

interface RuleEntry {
  rule: Rule;
  matchers: LabelMatcher[];
  source: RuleSource;
}

interface ChannelEntry {
  cfg: ChannelConfig;
  notifier: Notifier;
  source: 'config' | 'api';
}

/** Precision figures of one rule or detector. */
export interface PrecisionFigures {
  fired: number;
  acted: number;
  falsePositives: number;
  unreviewed: number;
  /** acted / (acted + falsePositives); null until something was reviewed. */
  precision: number | null;
}

/** An observation that a rule's condition holds for one label set. */
interface Observation {
  key: string;
  labels: Labels;
  series: string;
  value: number | null;
  expected: [number, number] | null;
  expectedText: string;
  severity: Alert['severity'];
  score: number;
  detectors: string[];
  reason: string;
}

const PRECISION_WINDOW = 30 * 86_400_000;
/** Resolved incidents (with their history) are kept this long. */
const INCIDENT_RETENTION = 365 * 86_400_000;

function zodMessage(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function parseOr400<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new VigilError('BAD_PAYLOAD', zodMessage(r.error));
  return r.data;
}

function compare(v: number, op: string, limit: number): boolean {
  switch (op) {
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
    case '<':
      return v < limit;
    case '<=':
      return v <= limit;
    case '==':
      return v === limit;
    default:
      return v !== limit;
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

/**
 * The alert manager: turns anomalies, forecasts and stored samples into alerts (pending → firing → resolved),
 * groups them into incidents, mutes them with silences and maintenance windows, routes them to channels with
 * group wait / interval / repeat, and hands notifications to the durable outbox. State lives in
 * `<dataDir>/alerting.db` and survives restarts without re-notifying.
 */
export class AlertManager {
  private cfg: AlertingConfig;
  private readonly o: AlertManagerOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly store: AlertingStore;
  private readonly outbox: Outbox;
  private readonly mutes = new MuteIndex();
  private configRules: RuleEntry[] = [];
  private defaultRules: RuleEntry[] = [];
  private apiRules = new Map<string, Map<string, RuleEntry>>();
  private readonly rulesCache = new Map<string, RuleEntry[]>();
  private configChannels = new Map<string, ChannelEntry>();
  private apiChannels = new Map<string, Map<string, ChannelEntry>>();
  private routes: CompiledRoute[] = [];
  private configSilences: Silence[] = [];
  private configWindows: MaintenanceWindow[] = [];
  private apiSilences = new Map<string, Silence>();
  private apiWindows = new Map<string, MaintenanceWindow>();
  private readonly active = new Map<string, Alert>();
  private readonly incidents = new Map<string, Incident>();
  private readonly tenants = new Set<string>([DEFAULT_TENANT]);
  /** Alerts and incidents refreshed without a state change; written at the next evaluation (or stop). */
  private readonly dirtyAlerts = new Set<Alert>();
  private readonly dirtyIncidents = new Set<Incident>();
  /** Incidents changed by the event being handled (anomaly, forecast), so only they are re-examined for notifications. */
  private readonly touched = new Set<Incident>();
  private readonly listeners = new Set<(e: AlertingEvent) => void>();
  private timer: NodeJS.Timeout | null = null;
  private wake: { at: number; timer: NodeJS.Timeout } | null = null;
  private ticking: Promise<void> | null = null;
  private lastPrune = 0;
  private started = false;
  private closed = false;
  /** When this process began watching: silence that began while Vigil itself was down does not count as absence. */
  private readonly watchingSince: number;
  private readonly metrics: { notifications: Counter<'kind'>; evalErrors: Counter } | null;

  constructor(opts: AlertManagerOptions) {
    this.o = opts;
    this.cfg = opts.config;
    this.clock = opts.clock ?? systemClock;
    this.watchingSince = this.clock.now();
    this.log = opts.logger.child({ part: 'alerting' });
    // Validate the configuration before opening anything, so a bad one fails fast without leaking the database.
    this.applyConfig(opts.config);
    this.store = new AlertingStore(opts.dataDir);
    this.outbox = new Outbox({
      store: this.store,
      clock: this.clock,
      logger: this.log,
      registry: opts.registry,
      config: this.cfg.outbox,
      notifier: (tenant, id) => this.channelFor(tenant, id)?.notifier ?? null,
      pollInterval: opts.outboxPollInterval,
    });
    this.metrics = opts.registry === undefined ? null : this.createMetrics(opts.registry);
    this.loadApiObjects();
    this.loadState();
  }

  private createMetrics(registry: Registry): { notifications: Counter<'kind'>; evalErrors: Counter } {
    const active = this.active;
    const incidents = this.incidents;
    new Gauge({
      name: 'vigil_alerting_alerts',
      help: 'Alerts by state (pending, firing).',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        let pending = 0;
        let firing = 0;
        for (const a of active.values()) a.state === 'firing' ? firing++ : pending++;
        this.set({ state: 'pending' }, pending);
        this.set({ state: 'firing' }, firing);
      },
    });
    new Gauge({
      name: 'vigil_alerting_open_incidents',
      help: 'Open incidents.',
      registers: [registry],
      collect() {
        let n = 0;
        for (const i of incidents.values()) if (i.status === 'open') n++;
        this.set(n);
      },
    });
    return {
      notifications: new Counter({
        name: 'vigil_alerting_notifications_total',
        help: 'Notifications written to the outbox, by kind.',
        labelNames: ['kind'],
        registers: [registry],
      }),
      evalErrors: new Counter({
        name: 'vigil_alerting_rule_evaluation_errors_total',
        help: 'Rule evaluations that failed (querier errors).',
        registers: [registry],
      }),
    };
  }

  // ---------------------------------------------------------------- configuration

  private applyConfig(cfg: AlertingConfig): void {
    const names = new Set(cfg.rules.map((r) => r.name));
    const dup = cfg.rules.find((r, i) => cfg.rules.findIndex((x) => x.name === r.name) !== i);
    if (dup !== undefined) throw new VigilError('CONFIG_INVALID', `alerting.rules: rule name "${dup.name}" is used twice`);
    const channelIds = new Set(cfg.channels.map((c) => c.id));
    if (channelIds.size !== cfg.channels.length) throw new VigilError('CONFIG_INVALID', 'alerting.channels: a channel id is used twice');
    for (const [i, r] of cfg.routes.entries()) {
      for (const c of r.channels) {
        if (!channelIds.has(c)) throw new VigilError('CONFIG_INVALID', `alerting.routes.${i}.channels: no channel "${c}"`);
      }
    }
    const entry = (rule: Rule, source: RuleSource): RuleEntry => ({ rule, matchers: parseSelector(rule.match || '{}'), source });
    this.defaultRules = cfg.defaultRules
      ? DEFAULT_RULES.map((r) => ruleSchema.parse(r))
          .filter((r) => !cfg.disableRules.includes(r.name) && !names.has(r.name))
          .map((r) => entry(r, 'default'))
      : [];
    this.configRules = cfg.rules.map((r) => entry(r, 'config'));
    for (const c of this.configChannels.values()) c.notifier.close();
    this.configChannels = new Map(
      cfg.channels.map((c) => [c.id, { cfg: c, notifier: createNotifier(c, cfg.outbox.timeout, guardOf(cfg)), source: 'config' as const }]),
    );
    this.routes = compileRoutes(cfg.routes);
    this.configSilences = cfg.silences.map((s, i) => ({
      id: s.id ?? `config-${i}`,
      tenant: ALL_TENANTS,
      match: s.match,
      startsAt: s.startsAt ?? 0,
      endsAt: s.endsAt,
      comment: s.comment,
      createdBy: s.createdBy,
      source: 'config',
    }));
    this.configWindows = cfg.maintenance.map((m) => ({ ...m, tenant: ALL_TENANTS, source: 'config' }));
    this.cfg = cfg;
    this.rulesCache.clear();
    this.refreshMutes();
  }

  private refreshMutes(): void {
    this.mutes.set([...this.configSilences, ...this.apiSilences.values()], [...this.configWindows, ...this.apiWindows.values()]);
  }

  private loadApiObjects(): void {
    for (const o of this.store.allObjects()) {
      try {
        this.tenants.add(o.tenant);
        if (o.kind === 'rule') this.setApiRule(o.tenant, ruleSchema.parse(o.data));
        else if (o.kind === 'channel') this.setApiChannel(o.tenant, channelSchema.parse(o.data));
        else if (o.kind === 'silence') this.apiSilences.set(o.id, o.data as Silence);
        else if (o.kind === 'maintenance') this.apiWindows.set(o.id, o.data as MaintenanceWindow);
      } catch (e) {
        this.log.error({ err: e, kind: o.kind, id: o.id }, 'alerting: stored object is invalid and was skipped');
      }
    }
    this.refreshMutes();
  }

  private setApiRule(tenant: string, rule: Rule): void {
    let m = this.apiRules.get(tenant);
    if (m === undefined) {
      m = new Map();
      this.apiRules.set(tenant, m);
    }
    m.set(rule.name, { rule, matchers: parseSelector(rule.match || '{}'), source: 'api' });
    this.rulesCache.delete(tenant);
  }

  private setApiChannel(tenant: string, cfg: ChannelConfig): void {
    let m = this.apiChannels.get(tenant);
    if (m === undefined) {
      m = new Map();
      this.apiChannels.set(tenant, m);
    }
    m.get(cfg.id)?.notifier.close();
    m.set(cfg.id, { cfg, notifier: createNotifier(cfg, this.cfg.outbox.timeout, guardOf(this.cfg)), source: 'api' });
  }

  private loadState(): void {
    for (const a of this.store.activeAlerts()) {
      this.active.set(this.alertKey(a.tenant, a.rule, a.key), a);
      this.tenants.add(a.tenant);
    }
    for (const i of this.store.openIncidents()) this.incidents.set(i.id, i);
    for (const i of this.store.recentResolvedIncidents(this.clock.now() - 86_400_000)) {
      if (Object.values(i.notify).some((s) => s.sentVersion > 0 && !s.resolvedSent)) this.incidents.set(i.id, i);
    }
    for (const i of this.incidents.values()) this.tenants.add(i.tenant);
  }

  /** Applies a new configuration (SIGHUP); alerts of removed rules resolve at the next evaluation. */
  reload(config: AlertingConfig): void {
    const interval = this.cfg.evaluationInterval;
    this.applyConfig(config);
    if (this.timer !== null && config.evaluationInterval !== interval) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.runTick(), config.evaluationInterval);
      this.timer.unref();
    }
    this.log.info({ rules: config.rules.length, channels: config.channels.length }, 'alerting: configuration reloaded');
    this.processNotifications(this.clock.now());
  }

  /** Effective rules of a tenant: defaults, then config-file rules, then API rules (which may override defaults). */
  rulesFor(tenant: string): ReadonlyArray<{ rule: Rule; matchers: LabelMatcher[]; source: RuleSource }> {
    let rules = this.rulesCache.get(tenant);
    if (rules === undefined) {
      const byName = new Map<string, RuleEntry>();
      for (const e of this.defaultRules) byName.set(e.rule.name, e);
      for (const e of this.configRules) byName.set(e.rule.name, e);
      for (const e of this.apiRules.get(tenant)?.values() ?? [])
        if (!this.configRules.some((c) => c.rule.name === e.rule.name)) byName.set(e.rule.name, e);
      rules = [...byName.values()];
      this.rulesCache.set(tenant, rules);
    }
    return rules;
  }

  private ruleNamed(tenant: string, name: string): RuleEntry | undefined {
    return this.rulesFor(tenant).find((e) => e.rule.name === name);
  }

  private channelFor(tenant: string, id: string): ChannelEntry | undefined {
    return this.apiChannels.get(tenant)?.get(id) ?? this.configChannels.get(id);
  }

  private channelIds(tenant: string): string[] {
    return [...new Set([...this.configChannels.keys(), ...(this.apiChannels.get(tenant)?.keys() ?? [])])];
  }

  /** Calls `listener` on every alert state change and incident change (for the live stream); returns an unsubscribe. */
  subscribe(listener: (e: AlertingEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: AlertingEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ err }, 'alerting: event listener failed');
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts rule evaluation, timers and the outbox. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.outbox.start();
    this.timer = setInterval(() => this.runTick(), this.cfg.evaluationInterval);
    this.timer.unref();
    this.runTick();
  }

  /** Stops timers and the outbox (pending notifications stay in the outbox) and closes the database. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.started = false;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.wake !== null) clearTimeout(this.wake.timer);
    this.wake = null;
    await this.ticking?.catch(() => undefined);
    this.flushDirty(this.clock.now());
    await this.outbox.stop();
    for (const c of this.configChannels.values()) c.notifier.close();
    for (const m of this.apiChannels.values()) for (const c of m.values()) c.notifier.close();
    this.store.close();
  }

  private runTick(): void {
    this.tick().catch((e: unknown) => this.log.error({ err: e }, 'alerting: evaluation failed'));
  }

  /** One evaluation: threshold and absence rules, timers, notifications. Tests call it with a fake clock. */
  tick(): Promise<void> {
    if (this.ticking !== null) return this.ticking;
    this.ticking = this.evaluate().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  /** Delivers every notification due now; resolves with how many were delivered (tests use it with a fake clock). */
  flushOutbox(): Promise<number> {
    return this.outbox.drain();
  }

  private async evaluate(): Promise<void> {
    for (const tenant of [...this.tenants]) {
      for (const e of this.rulesFor(tenant)) {
        if (!e.rule.enabled || (e.rule.type !== 'threshold' && e.rule.type !== 'absence')) continue;
        try {
          if (e.rule.type === 'threshold') await this.evalThreshold(tenant, e);
          else await this.evalAbsence(tenant, e);
        } catch (err) {
          this.metrics?.evalErrors.inc();
          this.log.error({ err, rule: e.rule.name, tenant }, 'alerting: rule evaluation failed');
        }
      }
    }
    const now = this.clock.now();
    this.timers(now);
    this.processNotifications(now);
    this.flushDirty(now);
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      this.store.prune(now - 2 * PRECISION_WINDOW, now - INCIDENT_RETENTION);
    }
  }

  private async evalThreshold(tenant: string, e: RuleEntry): Promise<void> {
    const rule = e.rule as Extract<Rule, { type: 'threshold' }>;
    const now = this.clock.now();
    const rows = await this.o.querier.latest(tenant, e.matchers, now);
    const stale = Math.max(5 * this.cfg.evaluationInterval, 5 * 60_000);
    const seen = new Set<string>();
    for (const row of rows) {
      if (now - row.t > stale) continue;
      const key = seriesKey(row.labels);
      seen.add(key);
      const current = this.active.get(this.alertKey(tenant, rule.name, key));
      const limit = current?.state === 'firing' && rule.clear !== undefined ? rule.clear : rule.value;
      if (compare(row.v, rule.op, limit)) {
        const metric = row.labels.__name__ ?? '';
        this.observe(tenant, e.rule, now, {
          key,
          labels: { ...row.labels, ...rule.labels },
          series: key,
          value: row.v,
          expected: null,
          expectedText: `expected ${rule.op === '>' ? '≤' : rule.op === '>=' ? '<' : rule.op === '<' ? '≥' : rule.op === '<=' ? '>' : 'not'} ${formatValue(metric, rule.value)}`,
          severity: rule.severity,
          score: 1,
          detectors: [],
          reason: `${metric || key} is ${formatValue(metric, row.v)}, ${rule.op} ${formatValue(metric, rule.value)} (rule ${rule.name})`,
        });
      } else this.deactivate(tenant, rule, key, now);
    }
    for (const a of this.alertsOfRule(tenant, rule.name)) if (!seen.has(a.key)) this.deactivate(tenant, rule, a.key, now);
  }

  private async evalAbsence(tenant: string, e: RuleEntry): Promise<void> {
    const rule = e.rule as Extract<Rule, { type: 'absence' }>;
    const now = this.clock.now();
    const rows = await this.o.querier.latest(tenant, e.matchers, now);
    const groups = new Map<string, { labels: Labels; t: number }>();
    for (const row of rows) {
      const labels: Labels = {};
      let ok = true;
      for (const b of rule.by) {
        const v = row.labels[b];
        if (v === undefined || v === '') ok = false;
        else labels[b] = v;
      }
      if (!ok) continue;
      const key = seriesKey(labels);
      const g = groups.get(key);
      if (g === undefined || row.t > g.t) groups.set(key, { labels, t: row.t });
    }
    const limit = rule.interval * rule.intervals;
    for (const [key, g] of groups) {
      const silentFor = now - g.t;
      // After a restart of Vigil, agents get `limit` to report again before their silence counts.
      if (now - Math.max(g.t, this.watchingSince) > limit && silentFor < rule.forgetAfter) {
        const who = rule.by.map((b) => `${b}=${g.labels[b]}`).join(' ');
        this.observe(tenant, rule, now, {
          key,
          labels: { ...g.labels, ...rule.labels },
          series: key,
          value: null,
          expected: null,
          expectedText: `data every ${formatDuration(rule.interval)}`,
          severity: rule.severity,
          score: 1,
          detectors: [],
          reason: `no data from ${who} for ${formatDuration(silentFor)} (last sample at ${iso(g.t)}; expected one every ${formatDuration(rule.interval)})`,
        });
      } else this.deactivate(tenant, rule, key, now);
    }
    for (const a of this.alertsOfRule(tenant, rule.name)) if (!groups.has(a.key)) this.deactivate(tenant, rule, a.key, now);
  }

  private alertsOfRule(tenant: string, rule: string): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) if (a.tenant === tenant && a.rule === rule) out.push(a);
    return out;
  }

  private alertKey(tenant: string, rule: string, key: string): string {
    return `${tenant}\u0000${rule}\u0000${key}`;
  }

  /** Timers of event-driven alerts (anomaly, forecast): firing after `for`, resolving after `keepFiringFor` of quiet. */
  private timers(now: number): void {
    for (const a of [...this.active.values()]) {
      const e = this.ruleNamed(a.tenant, a.rule);
      if (e === undefined || !e.rule.enabled || e.rule.type !== a.kind) {
        this.resolveAlert(a, now, 'its rule was removed or disabled');
        continue;
      }
      if (a.kind !== 'anomaly' && a.kind !== 'forecast') continue;
      if (now - a.lastTrueAt >= e.rule.keepFiringFor) {
        this.resolveAlert(
          a,
          now,
          a.kind === 'anomaly' ? `no qualifying anomaly for ${formatDuration(now - a.lastTrueAt)}` : 'forecast no longer crosses the limit',
        );
      }
    }
  }

  // ---------------------------------------------------------------- inputs

  /** Feeds one anomaly from detection (synchronous: with group wait 0 the notification is in the outbox on return). */
  onAnomaly(an: Anomaly): void {
    if (this.closed) return;
    this.tenants.add(an.tenant);
    const now = this.clock.now();
    let changed = false;
    for (const e of this.rulesFor(an.tenant)) {
      if (e.rule.type !== 'anomaly' || !e.rule.enabled) continue;
      if (an.score < e.rule.minScore || severityRank(an.severity) < severityRank(e.rule.minSeverity)) continue;
      if (!matchesAll(an.labels, e.matchers)) continue;
      const host = an.labels.host;
      const perHost = e.rule.scope === 'host' && host !== undefined;
      const metric = an.labels.__name__ ?? '';
      this.observe(an.tenant, e.rule, now, {
        key: perHost ? `host=${host}` : an.series,
        labels: perHost ? { host, ...e.rule.labels } : { ...an.labels, ...e.rule.labels },
        series: an.series,
        value: an.value,
        expected: an.expected,
        expectedText: `expected ${formatValue(metric, an.expected[0])} – ${formatValue(metric, an.expected[1])}`,
        severity: an.severity,
        score: an.score,
        detectors: an.detectors,
        reason: an.reason,
      });
      changed = true;
    }
    if (changed) this.processTouched(now);
  }

  private processTouched(now: number): void {
    if (this.touched.size === 0) return;
    const only = new Set(this.touched);
    this.touched.clear();
    this.processNotifications(now, only);
  }

  /** Feeds one forecast signal from the forecasting engine. */
  onForecast(tenant: string, f: ForecastSignal): void {
    if (this.closed) return;
    this.tenants.add(tenant);
    const now = this.clock.now();
    let changed = false;
    for (const e of this.rulesFor(tenant)) {
      if (e.rule.type !== 'forecast' || !e.rule.enabled || !matchesAll(f.labels, e.matchers)) continue;
      const rule = e.rule;
      const p = f.probabilityWithin !== undefined ? f.probabilityWithin(rule.horizon) : f.probability;
      const crosses = f.eta !== null && p >= rule.minProbability && (f.probabilityWithin !== undefined || f.eta - f.t <= rule.horizon);
      const metric = f.labels.__name__ ?? '';
      if (crosses && f.eta !== null) {
        const bounds =
          f.etaLow !== null || f.etaHigh !== null
            ? ` (${f.etaLow !== null ? formatDuration(f.etaLow - f.t) : '?'} – ${f.etaHigh !== null ? formatDuration(f.etaHigh - f.t) : 'later'})`
            : '';
        this.observe(tenant, rule, now, {
          key: f.series,
          labels: { ...f.labels, ...rule.labels },
          series: f.series,
          value: f.value,
          expected: null,
          expectedText: `stays below ${formatValue(metric, f.limit)} for ${formatDuration(rule.horizon)}`,
          severity: rule.severity,
          score: p,
          detectors: ['forecast'],
          reason: `${metric || f.series} is forecast to reach ${formatValue(metric, f.limit)} in ${formatDuration(f.eta - f.t)}${bounds}, probability ${Math.round(p * 100)}% within ${formatDuration(rule.horizon)}; now ${formatValue(metric, f.value)}`,
        });
        changed = true;
      } else {
        // Hysteresis in time: the alert resolves once no forecast has crossed for keepFiringFor (see timers()).
        this.deactivate(tenant, rule, f.series, now);
        changed = true;
      }
    }
    if (changed) this.processTouched(now);
  }

  /** Notes which tenants send data (threshold and absence rules are evaluated for every known tenant). */
  onSamples(tenant: string, _batch: readonly SeriesSamples[]): void {
    this.tenants.add(tenant);
  }

  /** True when a maintenance window covers `labels` of `tenant` at `t`; detection skips training then. */
  isInMaintenance(tenant: string, labels: Labels, t: number): boolean {
    return this.mutes.maintenance(tenant, labels, t) !== null;
  }

  /**
   * True when `host` of `tenant` belongs to an acknowledged incident that covers `t` (from its start to its
   * resolution, or until now while open): someone confirmed something is wrong there, so detection keeps
   * that time out of the host model's training.
   */
  isInAcknowledgedIncident(tenant: string, host: string, t: number): boolean {
    for (const inc of this.incidents.values()) {
      if (inc.ack === null || inc.tenant !== tenant || t < inc.startedAt) continue;
      if (inc.resolvedAt !== null && t > inc.resolvedAt) continue;
      if (inc.hosts.includes(host)) return true;
    }
    return false;
  }

  private observe(tenant: string, rule: Rule, now: number, obs: Observation): void {
    const k = this.alertKey(tenant, rule.name, obs.key);
    let a = this.active.get(k);
    if (a === undefined) {
      a = {
        id: randomUUID(),
        tenant,
        rule: rule.name,
        kind: rule.type as RuleKind,
        key: obs.key,
        labels: obs.labels,
        state: 'pending',
        severity: obs.severity,
        activeSince: now,
        firedAt: null,
        resolvedAt: null,
        lastTrueAt: now,
        series: obs.series,
        value: obs.value,
        expected: obs.expected,
        expectedText: obs.expectedText,
        score: obs.score,
        detectors: obs.detectors,
        reason: obs.reason,
        incidentId: null,
        outcome: 'unreviewed',
      };
      this.active.set(k, a);
      this.emit({ type: 'alert', alert: a });
    } else {
      a.lastTrueAt = now;
      a.value = obs.value;
      a.expected = obs.expected;
      a.expectedText = obs.expectedText;
      a.reason = obs.reason;
      a.score = Math.max(a.score, obs.score);
      if (severityRank(obs.severity) > severityRank(a.severity)) a.severity = obs.severity;
      a.detectors = [...new Set([...a.detectors, ...obs.detectors])];
    }
    if (a.state === 'pending' && now - a.activeSince >= rule.for) {
      this.fire(a, now);
      return;
    }
    if (a.state === 'firing' && a.incidentId !== null) {
      const inc = this.incidents.get(a.incidentId);
      if (inc !== undefined && inc.status === 'open') {
        if (addMember(inc, a, now)) this.touched.add(inc);
        this.dirtyIncidents.add(inc);
      }
    }
    // A refresh without a state change (the common case in a long anomaly) is written at the next evaluation.
    if (a.lastTrueAt === a.activeSince) this.store.putAlert(a, now);
    else this.dirtyAlerts.add(a);
  }

  private flushDirty(now: number): void {
    if (this.dirtyAlerts.size === 0 && this.dirtyIncidents.size === 0) return;
    this.store.transaction(() => {
      for (const a of this.dirtyAlerts) this.store.putAlert(a, now);
      for (const i of this.dirtyIncidents) this.store.putIncident(i);
    });
    this.dirtyAlerts.clear();
    this.dirtyIncidents.clear();
  }

  private deactivate(tenant: string, rule: Rule, key: string, now: number): void {
    const a = this.active.get(this.alertKey(tenant, rule.name, key));
    if (a === undefined) return;
    if (a.state === 'pending') this.resolveAlert(a, now, 'condition cleared before firing');
    else if (now - a.lastTrueAt >= rule.keepFiringFor) this.resolveAlert(a, now, 'condition cleared');
  }

  private fire(a: Alert, now: number): void {
    a.state = 'firing';
    a.firedAt = now;
    const open = [...this.incidents.values()].filter((i) => i.tenant === a.tenant && i.status === 'open');
    let inc = findIncidentFor(open, a.labels.host ?? null, now, this.cfg.incidents);
    const opened = inc === null;
    if (inc === null) {
      inc = openIncident(a, now);
      this.incidents.set(inc.id, inc);
    } else addMember(inc, a, now);
    a.incidentId = inc.id;
    this.touched.add(inc);
    this.store.transaction(() => {
      this.store.putIncident(inc);
      this.store.putAlert(a, now);
    });
    this.log.info({ tenant: a.tenant, rule: a.rule, series: a.series, incident: inc.id }, 'alert firing');
    this.emit({ type: 'alert', alert: a });
    this.emit({ type: 'incident', change: opened ? 'opened' : 'updated', incident: inc });
  }

  private resolveAlert(a: Alert, now: number, why: string): void {
    this.active.delete(this.alertKey(a.tenant, a.rule, a.key));
    const fired = a.state === 'firing';
    a.state = 'resolved';
    a.resolvedAt = now;
    const inc = a.incidentId === null ? undefined : this.incidents.get(a.incidentId);
    if (inc !== undefined) this.touched.add(inc);
    const wasOpen = inc?.status === 'open';
    this.store.transaction(() => {
      this.store.putAlert(a, now);
      if (!fired || inc === undefined) return;
      const m = inc.members.find((x) => x.alertId === a.id);
      if (m !== undefined) {
        m.active = false;
        m.lastAt = now;
      }
      inc.history.push({ t: now, type: 'member_resolved', by: 'vigil', text: `${a.rule}: ${a.series} resolved (${why})` });
      if (inc.status === 'open' && !inc.members.some((x) => x.active)) {
        inc.status = 'resolved';
        inc.resolvedAt = now;
        inc.resolvedBy = 'vigil';
        inc.version++;
        inc.history.push({ t: now, type: 'resolved', by: 'vigil', text: 'every member resolved' });
      }
      summarise(inc);
      trimHistory(inc);
      this.store.putIncident(inc);
    });
    if (fired) this.log.info({ tenant: a.tenant, rule: a.rule, series: a.series, why }, 'alert resolved');
    this.emit({ type: 'alert', alert: a });
    if (fired && inc !== undefined && wasOpen)
      this.emit({ type: 'incident', change: inc.status === 'resolved' ? 'resolved' : 'updated', incident: inc });
  }

  // ---------------------------------------------------------------- notifications

  private incidentMuted(inc: Incident, now: number): boolean {
    const live = inc.members.some((m) => m.active) ? inc.members.filter((m) => m.active) : inc.members;
    return live.length > 0 && live.every((m) => this.mutes.muted(inc.tenant, { ...m.labels, severity: m.severity, rule: m.rule }, now));
  }

  /** Decides, for every incident and route, whether a notification is due now, and writes due ones to the outbox. */
  private processNotifications(now: number, only?: ReadonlySet<Incident>): void {
    let nextDue = Number.POSITIVE_INFINITY;
    if (only === undefined) this.touched.clear();
    for (const inc of only ?? [...this.incidents.values()]) {
      if (!this.incidents.has(inc.id)) continue;
      const routes = routeIncident(inc, this.routes, this.channelIds(inc.tenant), this.cfg);
      const muted = this.incidentMuted(inc, now);
      let pending = false;
      let dirty = false;
      for (const r of routes) {
        let st: RouteNotifyState | undefined = inc.notify[r.key];
        if (st === undefined) {
          st = { sentVersion: 0, lastSentAt: null, resolvedSent: false, muted: false };
          inc.notify[r.key] = st;
          dirty = true;
        }
        const due = this.nextNotification(inc, r, st, muted, now);
        if (due.event !== null) {
          inc.history.push({ t: now, type: 'muted', by: 'vigil', text: due.event });
          dirty = true;
        }
        if (due.kind === null) continue;
        if (due.at <= now) {
          this.send(inc, r, st, due.kind, now);
          dirty = false;
          if (due.kind === 'resolved') continue;
          const after = this.nextNotification(inc, r, st, muted, now);
          if (after.kind !== null) {
            nextDue = Math.min(nextDue, after.at);
            pending = true;
          }
        } else {
          nextDue = Math.min(nextDue, due.at);
          pending = true;
        }
      }
      if (dirty) this.store.putIncident(inc);
      if (inc.status === 'resolved' && !pending) this.incidents.delete(inc.id);
    }
    this.scheduleWake(nextDue);
  }

  private nextNotification(
    inc: Incident,
    r: ResolvedRoute,
    st: RouteNotifyState,
    muted: boolean,
    now: number,
  ): { kind: NotificationKind | null; at: number; event: string | null } {
    const none = { kind: null, at: 0, event: null };
    if (inc.status === 'resolved') {
      if (st.sentVersion === 0 || st.resolvedSent) return none;
      if (muted) {
        st.resolvedSent = true;
        return { ...none, event: `resolution not sent to ${r.channels.join(', ')}: muted` };
      }
      return { kind: 'resolved', at: (st.lastSentAt ?? now) + r.groupInterval, event: null };
    }
    if (muted) {
      if (st.muted) return none;
      st.muted = true;
      return { ...none, event: `notifications to ${r.channels.join(', ')} muted by a silence or maintenance window` };
    }
    let event: string | null = null;
    if (st.muted) {
      st.muted = false;
      event = 'mute ended; notifying what is still firing';
    }
    if (st.sentVersion === 0) return { kind: 'firing', at: inc.startedAt + r.groupWait, event };
    if (st.sentVersion < inc.version) return { kind: 'update', at: (st.lastSentAt ?? now) + r.groupInterval, event };
    if (inc.ack === null && r.repeatInterval > 0) return { kind: 'repeat', at: (st.lastSentAt ?? now) + r.repeatInterval, event };
    return { ...none, event };
  }

  private send(inc: Incident, r: ResolvedRoute, st: RouteNotifyState, kind: NotificationKind, now: number): void {
    const msg = buildMessage(inc, kind, this.o.publicUrl, this.cfg.incidents.maxItems, now);
    this.store.durableTransaction(() => {
      if (r.channels.length > 0) this.outbox.enqueue(r.channels.map((channel) => ({ tenant: inc.tenant, channel, message: msg })));
      st.sentVersion = inc.version;
      st.lastSentAt = now;
      if (kind === 'resolved') st.resolvedSent = true;
      inc.history.push({
        t: now,
        type: 'notified',
        by: 'vigil',
        text: `${kind} notification to ${r.channels.join(', ') || '(no channel)'}`,
      });
      trimHistory(inc);
      this.store.putIncident(inc);
    });
    this.metrics?.notifications.inc({ kind }, r.channels.length);
    this.outbox.kick();
  }

  private scheduleWake(at: number): void {
    if (!this.started || !Number.isFinite(at)) return;
    if (this.wake !== null && this.wake.at <= at) return;
    if (this.wake !== null) clearTimeout(this.wake.timer);
    const timer = setTimeout(
      () => {
        this.wake = null;
        this.processNotifications(this.clock.now());
      },
      Math.max(0, at - this.clock.now()),
    );
    timer.unref();
    this.wake = { at, timer };
  }

  // ---------------------------------------------------------------- incidents (API verbs)

  private incident(tenant: string, id: string): Incident {
    const mem = this.incidents.get(id);
    if (mem !== undefined && mem.tenant === tenant) return mem;
    const inc = this.store.getIncident(tenant, id);
    if (inc === null) throw new VigilError('NOT_FOUND', `no incident "${id}"`);
    return inc;
  }

  /** Incidents of a tenant, newest first. */
  listIncidents(tenant: string, q: { status?: 'open' | 'resolved'; before?: number; limit?: number } = {}): Incident[] {
    return this.store.listIncidents(tenant, q.status, q.before ?? Number.MAX_SAFE_INTEGER, Math.min(q.limit ?? 100, 1000));
  }

  /** One incident of a tenant (throws NOT_FOUND). */
  getIncident(tenant: string, id: string): Incident {
    return this.incident(tenant, id);
  }

  private setOutcome(inc: Incident, outcome: Alert['outcome'], onlyUnreviewed: boolean, series?: string): void {
    for (const m of inc.members) {
      if (series !== undefined && m.series !== series) continue;
      const live = [...this.active.values()].find((a) => a.id === m.alertId);
      const a = live ?? this.store.getAlert(m.alertId);
      if (a === null || (onlyUnreviewed && a.outcome !== 'unreviewed')) continue;
      a.outcome = outcome;
      this.store.putAlert(a, this.clock.now());
    }
  }

  /** Acknowledges an incident: someone is on it (no repeats; counts as acted on for precision). */
  ack(tenant: string, id: string, by: string): Incident {
    const inc = this.incident(tenant, id);
    const now = this.clock.now();
    inc.ack = { by, at: now };
    inc.history.push({ t: now, type: 'acked', by, text: `acknowledged by ${by}` });
    this.store.transaction(() => {
      this.setOutcome(inc, 'acted', true);
      this.store.putIncident(inc);
    });
    this.emit({ type: 'incident', change: 'acked', incident: inc });
    return inc;
  }

  /** Withdraws an acknowledgement (repeats resume). */
  unack(tenant: string, id: string, by: string): Incident {
    const inc = this.incident(tenant, id);
    const now = this.clock.now();
    inc.ack = null;
    inc.history.push({ t: now, type: 'unacked', by, text: `acknowledgement withdrawn by ${by}` });
    this.store.putIncident(inc);
    this.emit({ type: 'incident', change: 'unacked', incident: inc });
    this.processNotifications(now);
    return inc;
  }

  /** Resolves an incident as a unit; its channels get the resolution. */
  resolve(tenant: string, id: string, by: string, note?: string): Incident {
    const inc = this.incident(tenant, id);
    const now = this.clock.now();
    if (inc.status === 'open') {
      inc.status = 'resolved';
      inc.resolvedAt = now;
      inc.resolvedBy = by;
      inc.version++;
      inc.history.push({ t: now, type: 'resolved', by, text: `resolved by ${by}${note ? `: ${note}` : ''}` });
      this.store.transaction(() => {
        this.setOutcome(inc, 'acted', true);
        this.store.putIncident(inc);
      });
      this.incidents.set(inc.id, inc);
      // Resolving as a unit ends the member alerts too: if the problem persists, a new incident opens and notifies.
      const ids = new Set(inc.members.map((m) => m.alertId));
      for (const a of [...this.active.values()]) if (ids.has(a.id)) this.resolveAlert(a, now, `incident resolved by ${by}`);
      this.touched.clear();
      this.emit({ type: 'incident', change: 'resolved', incident: inc });
      this.processNotifications(now);
    }
    return inc;
  }

  /**
   * Records feedback on an incident (or one of its series): `expected` marks a false positive, calls the detection
   * engine's feedback for each series over its time range, and resolves the incident when it covers every member;
   * `anomaly` confirms it.
   */
  async feedback(tenant: string, id: string, kind: 'expected' | 'anomaly', by: string, series?: string): Promise<Incident> {
    const inc = this.incident(tenant, id);
    const members = inc.members.filter((m) => series === undefined || m.series === series);
    if (members.length === 0) throw new VigilError('NOT_FOUND', `incident "${id}" has no member "${series}"`);
    const now = this.clock.now();
    const failures: string[] = [];
    if (this.o.feedback !== undefined) {
      for (const m of members) {
        if (m.kind !== 'anomaly') continue;
        try {
          await this.o.feedback(tenant, m.series, m.firstAt, m.active ? now : m.lastAt, kind);
        } catch (e) {
          failures.push(m.series);
          this.log.error({ err: e, series: m.series }, 'alerting: detector feedback failed');
        }
      }
    }
    const what = series ?? `all ${members.length} series`;
    const label = kind === 'expected' ? 'expected (false positive)' : 'a real anomaly';
    inc.feedback = { kind, by, at: now };
    inc.history.push({
      t: now,
      type: 'feedback',
      by,
      text: `${by} marked ${what} as ${label}${failures.length ? `; detector feedback failed for ${failures.join(', ')}` : ''}`,
    });
    this.store.transaction(() => {
      this.setOutcome(inc, kind === 'expected' ? 'false_positive' : 'acted', false, series);
      this.store.putIncident(inc);
    });
    this.emit({ type: 'incident', change: 'feedback', incident: inc });
    if (kind === 'expected' && series === undefined && inc.status === 'open') return this.resolve(tenant, id, by, 'marked expected');
    return inc;
  }

  // ---------------------------------------------------------------- alerts and precision

  /** Alerts of a tenant, newest first; `state` filters. */
  listAlerts(tenant: string, state?: 'pending' | 'firing' | 'resolved', limit = 500): Alert[] {
    return this.store.listAlerts(tenant, state, Math.min(limit, 5000));
  }

  /** Precision per rule and per detector over the last 30 days, from acknowledgements, resolutions and feedback. */
  precision(tenant: string): { since: number; rules: Record<string, PrecisionFigures>; detectors: Record<string, PrecisionFigures> } {
    const since = this.clock.now() - PRECISION_WINDOW;
    const rules: Record<string, PrecisionFigures> = {};
    const detectors: Record<string, PrecisionFigures> = {};
    const add = (map: Record<string, PrecisionFigures>, key: string, a: Alert) => {
      let f = map[key];
      if (f === undefined) {
        f = { fired: 0, acted: 0, falsePositives: 0, unreviewed: 0, precision: null };
        map[key] = f;
      }
      f.fired++;
      if (a.outcome === 'acted') f.acted++;
      else if (a.outcome === 'false_positive') f.falsePositives++;
      else f.unreviewed++;
      f.precision = f.acted + f.falsePositives > 0 ? f.acted / (f.acted + f.falsePositives) : null;
    };
    for (const a of this.store.alertsSince(tenant, since)) {
      if (a.firedAt === null) continue;
      add(rules, a.rule, a);
      for (const d of a.detectors) add(detectors, d, a);
    }
    return { since, rules, detectors };
  }

  // ---------------------------------------------------------------- rules, channels, silences, maintenance (API)

  /** Effective rules of a tenant with their source and precision. */
  listRules(tenant: string): Array<Rule & { source: RuleSource; precision: PrecisionFigures | null }> {
    const p = this.precision(tenant).rules;
    return this.rulesFor(tenant).map((e) => ({ ...e.rule, source: e.source, precision: p[e.rule.name] ?? null }));
  }

  /** Creates or replaces an API rule (a default rule may be overridden by name; config-file rules are read-only). */
  saveRule(tenant: string, input: unknown, name?: string): Rule {
    const rule = parseOr400(ruleSchema, input);
    if (name !== undefined && rule.name !== name) throw new VigilError('BAD_PAYLOAD', `rule name "${rule.name}" does not match the URL`);
    if (this.configRules.some((e) => e.rule.name === rule.name)) {
      throw new VigilError('FORBIDDEN', `rule "${rule.name}" is defined in the configuration file; edit the file and reload`);
    }
    this.store.putObject(tenant, 'rule', rule.name, input);
    this.setApiRule(tenant, rule);
    this.tenants.add(tenant);
    return rule;
  }

  /** Deletes an API rule. */
  deleteRule(tenant: string, name: string): void {
    if (this.configRules.some((e) => e.rule.name === name))
      throw new VigilError('FORBIDDEN', `rule "${name}" is defined in the configuration file`);
    if (!this.store.deleteObject(tenant, 'rule', name)) {
      if (this.defaultRules.some((e) => e.rule.name === name)) {
        throw new VigilError('FORBIDDEN', `"${name}" is a default rule: disable it with PUT {"enabled": false} or config disableRules`);
      }
      throw new VigilError('NOT_FOUND', `no rule "${name}"`);
    }
    this.apiRules.get(tenant)?.delete(name);
    this.rulesCache.delete(tenant);
  }

  /** Channels of a tenant with secrets masked, and how their deliveries went (counts and the newest error). */
  listChannels(tenant: string): Array<Record<string, unknown>> {
    const stats = this.store.channelStats(tenant);
    return this.channelIds(tenant).map((id) => {
      const c = this.channelFor(tenant, id)!;
      return {
        ...maskChannel(c.cfg),
        source: c.source,
        deliveries: stats.get(id) ?? { pending: 0, delivered: 0, failed: 0, lastError: null },
      };
    });
  }

  /** Creates or replaces an API channel; secrets sent back masked keep their stored value. Returns it masked. */
  saveChannel(tenant: string, input: unknown, id?: string): Record<string, unknown> {
    const raw = (typeof input === 'object' && input !== null ? { ...input } : {}) as Record<string, unknown>;
    if (id !== undefined) raw.id ??= id;
    const prev = raw.id === undefined ? undefined : this.apiChannels.get(tenant)?.get(String(raw.id))?.cfg;
    const merged = unmaskChannel({ ...raw } as ChannelConfig, prev) as unknown;
    const cfg = parseOr400(channelSchema, merged);
    if (id !== undefined && cfg.id !== id) throw new VigilError('BAD_PAYLOAD', `channel id "${cfg.id}" does not match the URL`);
    if (this.configChannels.has(cfg.id)) throw new VigilError('FORBIDDEN', `channel "${cfg.id}" is defined in the configuration file`);
    this.store.putObject(tenant, 'channel', cfg.id, merged);
    this.setApiChannel(tenant, cfg);
    return { ...maskChannel(cfg), source: 'api' };
  }

  /** Deletes an API channel. */
  deleteChannel(tenant: string, id: string): void {
    if (this.configChannels.has(id)) throw new VigilError('FORBIDDEN', `channel "${id}" is defined in the configuration file`);
    if (!this.store.deleteObject(tenant, 'channel', id)) throw new VigilError('NOT_FOUND', `no channel "${id}"`);
    this.apiChannels.get(tenant)?.get(id)?.notifier.close();
    this.apiChannels.get(tenant)?.delete(id);
  }

  /** Sends a test notification straight to a channel (not through the outbox) and reports the outcome. */
  async testChannel(tenant: string, id: string, by: string): Promise<{ ok: boolean; error?: string }> {
    const c = this.channelFor(tenant, id);
    if (c === undefined) throw new VigilError('NOT_FOUND', `no channel "${id}"`);
    const now = this.clock.now();
    const msg = buildMessage(
      {
        id: 'test',
        tenant,
        status: 'open',
        severity: 'info',
        title: `Test notification from Vigil (requested by ${by})`,
        startedAt: now,
        updatedAt: now,
        resolvedAt: null,
        resolvedBy: null,
        ack: null,
        hosts: [],
        members: [],
        history: [],
        feedback: null,
        version: 0,
        notify: {},
      },
      'test',
      this.o.publicUrl,
      1,
      now,
    );
    try {
      await c.notifier.send(msg, { id: `test-${randomUUID()}`, attempt: 1 }, AbortSignal.timeout(this.cfg.outbox.timeout));
      return { ok: true };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  /** Silences of a tenant (config-file ones included), with whether each is active now. */
  listSilences(tenant: string): Array<Silence & { active: boolean }> {
    const now = this.clock.now();
    return [...this.configSilences, ...[...this.apiSilences.values()].filter((s) => s.tenant === tenant)].map((s) => ({
      ...s,
      active: now >= s.startsAt && now < s.endsAt,
    }));
  }

  /** Creates or replaces a silence. */
  saveSilence(tenant: string, input: unknown, by: string, id?: string): Silence {
    const s = parseOr400(silenceSchema, input);
    const sid = id ?? s.id ?? randomUUID();
    const prev = this.apiSilences.get(sid);
    if (prev !== undefined && prev.tenant !== tenant) throw new VigilError('NOT_FOUND', `no silence "${sid}"`);
    if (this.configSilences.some((c) => c.id === sid))
      throw new VigilError('FORBIDDEN', `silence "${sid}" is defined in the configuration file`);
    const now = this.clock.now();
    const silence: Silence = {
      id: sid,
      tenant,
      match: s.match,
      startsAt: s.startsAt ?? now,
      endsAt: s.endsAt,
      comment: s.comment,
      createdBy: by,
      source: 'api',
    };
    if (silence.endsAt <= silence.startsAt) throw new VigilError('BAD_PAYLOAD', 'endsAt must be after startsAt');
    this.store.putObject(tenant, 'silence', sid, silence);
    this.apiSilences.set(sid, silence);
    this.refreshMutes();
    this.processNotifications(now);
    return silence;
  }

  /** Deletes (expires) a silence; still-firing incidents it muted are notified. */
  deleteSilence(tenant: string, id: string): void {
    this.deleteMute(tenant, 'silence', id, this.apiSilences);
  }

  /** Maintenance windows of a tenant, with whether each is active now. */
  listMaintenance(tenant: string): Array<MaintenanceWindow & { activeNow: boolean }> {
    const now = this.clock.now();
    return [...this.configWindows, ...[...this.apiWindows.values()].filter((w) => w.tenant === tenant)].map((w) => ({
      ...w,
      activeNow: new MuteIndexProbe(w).active(now),
    }));
  }

  /** Creates or replaces a maintenance window. */
  saveMaintenance(tenant: string, input: unknown, id?: string): MaintenanceWindow {
    const raw = (typeof input === 'object' && input !== null ? { ...input } : {}) as Record<string, unknown>;
    raw.id ??= id ?? randomUUID();
    const m = parseOr400(maintenanceSchema, raw);
    if (id !== undefined && m.id !== id) throw new VigilError('BAD_PAYLOAD', `maintenance id "${m.id}" does not match the URL`);
    const prev = this.apiWindows.get(m.id);
    if (prev !== undefined && prev.tenant !== tenant) throw new VigilError('NOT_FOUND', `no maintenance window "${m.id}"`);
    if (this.configWindows.some((c) => c.id === m.id))
      throw new VigilError('FORBIDDEN', `maintenance window "${m.id}" is defined in the configuration file`);
    const w: MaintenanceWindow = { ...m, tenant, source: 'api' };
    this.store.putObject(tenant, 'maintenance', w.id, w);
    this.apiWindows.set(w.id, w);
    this.refreshMutes();
    this.processNotifications(this.clock.now());
    return w;
  }

  /** Deletes a maintenance window. */
  deleteMaintenance(tenant: string, id: string): void {
    this.deleteMute(tenant, 'maintenance', id, this.apiWindows);
  }

  private deleteMute(tenant: string, kind: ObjectKind, id: string, map: Map<string, { tenant: string }>): void {
    const cur = map.get(id);
    if (cur === undefined || cur.tenant !== tenant) {
      const fromConfig = kind === 'silence' ? this.configSilences.some((s) => s.id === id) : this.configWindows.some((w) => w.id === id);
      if (fromConfig) throw new VigilError('FORBIDDEN', `${kind} "${id}" is defined in the configuration file`);
      throw new VigilError('NOT_FOUND', `no ${kind} "${id}"`);
    }
    this.store.deleteObject(tenant, kind, id);
    map.delete(id);
    this.refreshMutes();
    this.processNotifications(this.clock.now());
  }

  /** Outbox counts (pending, delivered, failed) for health pages and tests. */
  outboxStats(): Record<string, number> {
    return this.store.outboxCounts();
  }
}

/** Evaluates one maintenance window alone (for listing whether it is active now). */
class MuteIndexProbe {
  private readonly idx = new MuteIndex();
  constructor(private readonly w: MaintenanceWindow) {
    this.idx.set([], [{ ...w, match: '{}', tenant: ALL_TENANTS }]);
  }
  active(t: number): boolean {
    return this.idx.maintenance(this.w.tenant, {}, t) !== null;
  }
}
