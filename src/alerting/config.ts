import { z } from 'zod';
import { durationMs, parseSelector } from '../core/index.js';
import { parseCron } from './cron.js';

const severity = z.enum(['info', 'warning', 'critical']);

/** A PromQL selector string, validated at load time. */
const selector = z.string().superRefine((v, ctx) => {
  try {
    parseSelector(v === '' ? '{}' : v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const ruleName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9_.:-]+$/, 'use letters, digits, _ . : -');

const ruleBase = {
  name: ruleName,
  enabled: z.boolean().default(true),
  /** Series (or hosts) the rule applies to. */
  match: selector.default('{}'),
  /** Extra labels attached to the rule's alerts (used by routing). */
  labels: z.record(z.string(), z.string()).default({}),
  /** How long the condition must hold before the alert fires. */
  for: durationMs.default(0),
  /** How long a firing alert stays firing after its condition stops holding (hysteresis in time). */
  keepFiringFor: durationMs.default(0),
  description: z.string().max(1000).optional(),
};

/** Fires when the latest value of a matching series compares against `value` with `op`. */
export const thresholdRuleSchema = z.object({
  ...ruleBase,
  type: z.literal('threshold'),
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number(),
  /** Hysteresis in value: once firing, the alert stays firing until the value is back beyond `clear`. */
  clear: z.number().optional(),
  severity: severity.default('warning'),
});

/** Fires on anomalies from detection whose score and severity reach the minimums, per series or per host. */
export const anomalyRuleSchema = z.object({
  ...ruleBase,
  type: z.literal('anomaly'),
  minScore: z.number().min(0).max(1).default(0.9),
  minSeverity: severity.default('critical'),
  scope: z.enum(['series', 'host']).default('series'),
  /** Once no qualifying anomaly arrived for this long, the alert resolves. */
  keepFiringFor: durationMs.default(5 * 60_000),
});

/** Fires when a forecast says the series crosses its limit within `horizon` with probability ≥ `minProbability`. */
export const forecastRuleSchema = z.object({
  ...ruleBase,
  type: z.literal('forecast'),
  horizon: durationMs,
  minProbability: z.number().min(0).max(1).default(0.8),
  severity: severity.default('warning'),
  /** A forecast not refreshed for this long no longer keeps the alert firing. */
  keepFiringFor: durationMs.default(15 * 60_000),
});

/** Fires when a host (or any `by` group) sends no data for `intervals` × `interval`. */
export const absenceRuleSchema = z.object({
  ...ruleBase,
  type: z.literal('absence'),
  by: z.array(z.string().min(1)).min(1).default(['host']),
  interval: durationMs.default(15_000),
  intervals: z.number().int().min(1).default(4),
  /** Groups silent for longer than this are considered decommissioned and no longer alert. */
  forgetAfter: durationMs.default(24 * 3_600_000),
  severity: severity.default('critical'),
});

/** One alert rule. */
export const ruleSchema = z.discriminatedUnion('type', [thresholdRuleSchema, anomalyRuleSchema, forecastRuleSchema, absenceRuleSchema]);

/** A validated alert rule. */
export type Rule = z.output<typeof ruleSchema>;
/** An alert rule as written in YAML or sent to the API. */
export type RuleInput = z.input<typeof ruleSchema>;

const channelId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9_.-]+$/, 'use letters, digits, _ . -');

/** A Slack incoming webhook. */
export const slackChannelSchema = z.object({
  id: channelId,
  type: z.literal('slack'),
  url: z.string().url(),
});

/** E-mail over SMTP (nodemailer). */
export const emailChannelSchema = z.object({
  id: channelId,
  type: z.literal('email'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
  from: z.string().min(3),
  to: z.array(z.string().min(3)).min(1),
  /** Accept self-signed server certificates (lab setups only). */
  tlsInsecure: z.boolean().default(false),
});

/** A generic JSON webhook, signed with HMAC-SHA256 when a secret is set. */
export const webhookChannelSchema = z.object({
  id: channelId,
  type: z.literal('webhook'),
  url: z.string().url(),
  secret: z.string().min(8).optional(),
  /** `vigil`: Vigil's own JSON; `alertmanager`: the Alertmanager webhook payload (version 4). */
  format: z.enum(['vigil', 'alertmanager']).default('vigil'),
  headers: z.record(z.string(), z.string()).default({}),
});

/** One notification channel. */
export const channelSchema = z.discriminatedUnion('type', [slackChannelSchema, emailChannelSchema, webhookChannelSchema]);

/** A validated notification channel. */
export type ChannelConfig = z.output<typeof channelSchema>;

/** Where notifications of matching incidents go, and how often. */
export const routeSchema = z.object({
  /** Matched against every member's labels (plus `severity`, `rule`); a route matches when one member does. */
  match: selector.default('{}'),
  /** Only incidents of these severities. */
  severities: z.array(severity).optional(),
  channels: z.array(channelId).min(1),
  groupWait: durationMs.optional(),
  groupInterval: durationMs.optional(),
  repeatInterval: durationMs.optional(),
  /** Keep looking for further matching routes after this one. */
  continue: z.boolean().default(false),
});

/** A validated route. */
export type RouteConfig = z.output<typeof routeSchema>;

const instant = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const t = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: 'custom', message: 'expected a Unix ms time or an ISO 8601 date' });
    return z.NEVER;
  }
  return t;
});

/** Mutes notifications of alerts whose labels match, until `endsAt`. */
export const silenceSchema = z.object({
  id: z.string().min(1).max(64).optional(),
  match: selector,
  startsAt: instant.optional(),
  endsAt: instant,
  comment: z.string().max(1000).default(''),
  createdBy: z.string().max(128).default('config'),
});

/** A validated silence. */
export type SilenceConfig = z.output<typeof silenceSchema>;

/** A recurring maintenance window: starts at every cron match (UTC), lasts `duration`. */
export const maintenanceSchema = z.object({
  id: z.string().min(1).max(64),
  schedule: z.string().superRefine((v, ctx) => {
    try {
      parseCron(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  duration: durationMs,
  match: selector.default('{}'),
  comment: z.string().max(1000).default(''),
});

/** A validated maintenance window. */
export type MaintenanceConfig = z.output<typeof maintenanceSchema>;

/** The `alerting:` section of the configuration file; reloadable on SIGHUP. */
export const alertingConfigSchema = z
  .object({
    /** How often threshold and absence rules are evaluated and timers are checked. */
    evaluationInterval: durationMs.default(15_000),
    /** Ship the default rules (host down, high-severity anomaly, disk full within 24 h, memory exhausted within 6 h). */
    defaultRules: z.boolean().default(true),
    /** Default rule names to leave out. */
    disableRules: z.array(z.string()).default([]),
    rules: z.array(ruleSchema).default([]),
    channels: z.array(channelSchema).default([]),
    /** Evaluated in order; first match wins unless `continue`. With none, every channel gets every incident. */
    routes: z.array(routeSchema).default([]),
    groupWait: durationMs.default(30_000),
    groupInterval: durationMs.default(5 * 60_000),
    repeatInterval: durationMs.default(4 * 3_600_000),
    incidents: z
      .object({
        /** A new alert on a host joins that host's open incident when it was active this recently. */
        hostWindow: durationMs.default(5 * 60_000),
        /** Alerts on different hosts starting within this window of an incident's start join it. */
        coStartWindow: durationMs.default(2 * 60_000),
        /** Members shown in a notification. */
        maxItems: z.number().int().min(1).default(10),
      })
      .prefault({}),
    silences: z.array(silenceSchema).default([]),
    maintenance: z.array(maintenanceSchema).default([]),
    /** Let webhook and Slack channels reach loopback, private and link-local addresses (a receiver inside your network). */
    allowPrivateTargets: z.boolean().default(false),
    /** Host names webhook and Slack channels may reach whatever they resolve to. */
    allowHosts: z.array(z.string().min(1)).default([]),
    outbox: z
      .object({
        initialBackoff: durationMs.default(1000),
        maxBackoff: durationMs.default(5 * 60_000),
        /** After this many attempts or this age a notification is given up (and logged, and counted). */
        maxAttempts: z.number().int().min(1).default(25),
        maxAge: durationMs.default(24 * 3_600_000),
        concurrency: z.number().int().min(1).max(64).default(4),
        timeout: durationMs.default(10_000),
      })
      .prefault({}),
  })
  .prefault({});

/** The validated alerting configuration. */
export type AlertingConfig = z.output<typeof alertingConfigSchema>;
/** The alerting configuration as written in YAML. */
export type AlertingConfigInput = z.input<typeof alertingConfigSchema>;

/** Rules that ship enabled; each can be turned off with `disableRules: [name]` or overridden by a rule of the same name. */
export const DEFAULT_RULES: readonly RuleInput[] = [
  {
    name: 'host-down',
    type: 'absence',
    match: '{host=~".+"}',
    by: ['host'],
    interval: '15s',
    intervals: 4,
    severity: 'critical',
    description: 'A host sent no data for 4 intervals.',
  },
  {
    name: 'high-severity-anomaly',
    type: 'anomaly',
    minScore: 0.9,
    minSeverity: 'critical',
    scope: 'series',
    description: 'A series deviates strongly from what it normally does.',
  },
  {
    name: 'disk-full-24h',
    type: 'forecast',
    match: '{__name__=~".*(filesystem|disk).*"}',
    horizon: '24h',
    minProbability: 0.8,
    severity: 'critical',
    description: 'A filesystem is forecast to fill up within 24 hours.',
  },
  {
    name: 'memory-exhausted-6h',
    type: 'forecast',
    match: '{__name__=~".*mem.*"}',
    horizon: '6h',
    minProbability: 0.8,
    severity: 'critical',
    description: 'Memory is forecast to run out within 6 hours.',
  },
];
