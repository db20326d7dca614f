import type { SsrfGuardOptions } from '../core/index.js';
import type { Notifier } from './channel.js';
import { maskUrl } from './channel.js';
import type { ChannelConfig } from './config.js';
import { EmailNotifier } from './email/index.js';
import { SlackNotifier } from './slack/index.js';
import { WebhookNotifier } from './webhook/index.js';

/** The value shown instead of a secret in every response and log. */
export const MASK = '***';

/**
 * Creates the notifier for a channel configuration; HTTP channels check every target against `guard`
 * (no loopback, private or link-local targets unless allowed) before they connect.
 */
export function createNotifier(cfg: ChannelConfig, timeoutMs: number, guard?: SsrfGuardOptions): Notifier {
  switch (cfg.type) {
    case 'slack':
      return new SlackNotifier(cfg, guard);
    case 'email':
      return new EmailNotifier(cfg, timeoutMs);
    case 'webhook':
      return new WebhookNotifier(cfg, guard);
  }
}

/** A channel configuration with its secrets masked (webhook URLs, SMTP passwords, HMAC secrets, custom headers). */
export function maskChannel(cfg: ChannelConfig): Record<string, unknown> {
  switch (cfg.type) {
    case 'slack':
      return { ...cfg, url: maskUrl(cfg.url) };
    case 'email':
      return { ...cfg, password: cfg.password === undefined ? undefined : MASK };
    case 'webhook':
      return {
        ...cfg,
        url: maskUrl(cfg.url),
        secret: cfg.secret === undefined ? undefined : MASK,
        headers: Object.fromEntries(Object.keys(cfg.headers).map((k) => [k, MASK])),
      };
  }
}

/** For an update: keeps the stored secret wherever the client sent back the mask (or left it out). */
export function unmaskChannel(next: ChannelConfig, prev: ChannelConfig | undefined): ChannelConfig {
  if (prev === undefined || prev.type !== next.type) return next;
  const out = { ...next } as Record<string, unknown>;
  const old = prev as Record<string, unknown>;
  for (const k of ['url', 'password', 'secret']) {
    const v = out[k];
    if ((v === undefined || (typeof v === 'string' && v.includes(MASK))) && old[k] !== undefined) out[k] = old[k];
  }
  if (next.type === 'webhook' && prev.type === 'webhook') {
    const h = { ...next.headers };
    for (const [k, v] of Object.entries(h)) if (v === MASK && prev.headers[k] !== undefined) h[k] = prev.headers[k] as string;
    out.headers = h;
  }
  return out as ChannelConfig;
}
