import { createHmac } from 'node:crypto';
import type { SsrfGuardOptions } from '../../core/index.js';
import { type Notifier, postHttp } from '../channel.js';
import type { ChannelConfig } from '../config.js';
import { renderText, subjectOf } from '../message.js';
import type { DeliveryContext, NotificationMessage } from '../types.js';

type WebhookConfig = Extract<ChannelConfig, { type: 'webhook' }>;

/** Name of the signature header: `sha256=` + hex HMAC-SHA256 of the raw body with the channel's secret. */
export const SIGNATURE_HEADER = 'x-vigil-signature';

/** Computes the signature header value for a body. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Vigil's own webhook body: the notification plus its delivery identity. */
export function vigilPayload(msg: NotificationMessage, ctx: DeliveryContext): Record<string, unknown> {
  return { ...msg, schemaVersion: 1, id: ctx.id, attempt: ctx.attempt, summary: subjectOf(msg) };
}

/** The Alertmanager webhook payload (version 4): one alert per incident member, so existing receivers work unchanged. */
export function alertmanagerPayload(msg: NotificationMessage, ctx: DeliveryContext, receiver: string): Record<string, unknown> {
  const alerts = msg.items.map((it) => {
    const labels: Record<string, string> = { ...it.labels, alertname: it.rule, severity: it.severity, incident: msg.incidentId };
    const resolved = msg.status === 'resolved' || !it.active;
    return {
      status: resolved ? 'resolved' : 'firing',
      labels,
      annotations: {
        summary: `${it.what} on ${it.where}: ${it.actual} (expected ${it.expected})`,
        description: it.reason,
        deviation: it.deviation,
      },
      startsAt: new Date(it.since).toISOString(),
      endsAt: resolved ? new Date(msg.resolvedAt ?? msg.createdAt).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: msg.link,
      fingerprint: createHmac('sha256', 'vigil')
        .update(`${it.rule}|${JSON.stringify(it.labels)}`)
        .digest('hex')
        .slice(0, 16),
    };
  });
  const common = (key: 'labels'): Record<string, string> => {
    const first = alerts[0]?.[key] ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(first)) if (alerts.every((a) => a[key][k] === v)) out[k] = v;
    return out;
  };
  return {
    version: '4',
    groupKey: `{}:{incident="${msg.incidentId}"}`,
    truncatedAlerts: 0,
    status: msg.status,
    receiver,
    groupLabels: { incident: msg.incidentId },
    commonLabels: common('labels'),
    commonAnnotations: { summary: subjectOf(msg), description: renderText(msg) },
    externalURL: msg.link.replace(/\/incidents\/.*$/, ''),
    vigil: { id: ctx.id, attempt: ctx.attempt, kind: msg.kind },
    alerts,
  };
}

/** Posts notifications as JSON to any HTTP endpoint, signed with HMAC-SHA256 when a secret is configured. */
export class WebhookNotifier implements Notifier {
  readonly id: string;
  readonly type = 'webhook' as const;
  private readonly cfg: WebhookConfig;

  constructor(
    cfg: WebhookConfig,
    private readonly guard?: SsrfGuardOptions,
  ) {
    this.id = cfg.id;
    this.cfg = cfg;
  }

  async send(msg: NotificationMessage, ctx: DeliveryContext, signal: AbortSignal): Promise<void> {
    const payload = this.cfg.format === 'alertmanager' ? alertmanagerPayload(msg, ctx, this.cfg.id) : vigilPayload(msg, ctx);
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      ...this.cfg.headers,
      'content-type': 'application/json',
      'user-agent': 'vigil-alerting',
      'x-vigil-notification-id': ctx.id,
      'x-vigil-attempt': String(ctx.attempt),
    };
    if (this.cfg.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(this.cfg.secret, body);
    await postHttp(this.cfg.url, body, headers, signal, `webhook channel ${this.id}`, this.guard);
  }

  close(): void {}
}
