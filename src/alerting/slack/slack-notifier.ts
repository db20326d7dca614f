import type { SsrfGuardOptions } from '../../core/index.js';
import { type Notifier, postHttp } from '../channel.js';
import type { ChannelConfig } from '../config.js';
import { subjectOf } from '../message.js';
import type { DeliveryContext, NotificationMessage } from '../types.js';

type SlackConfig = Extract<ChannelConfig, { type: 'slack' }>;

/** A Slack Block Kit block (the subset Vigil sends). */
export type SlackBlock = Record<string, unknown>;

function mrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function ts(t: number): string {
  // Slack renders <!date^…> in the reader's time zone, with the ISO text as fallback.
  return `<!date^${Math.floor(t / 1000)}^{date_short_pretty} {time}|${new Date(t).toISOString()}>`;
}

/** Builds the Block Kit message for one notification: a header, the main member, other members, and a link button. */
export function slackPayload(msg: NotificationMessage, ctx: DeliveryContext): { text: string; blocks: SlackBlock[] } {
  const [main, ...others] = msg.items;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: subjectOf(msg).slice(0, 150) } }];
  if (main !== undefined) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${mrkdwn(main.what)}* on *${mrkdwn(main.where)}*\n${mrkdwn(main.reason)}`,
      },
      fields: [
        { type: 'mrkdwn', text: `*Actual*\n${mrkdwn(main.actual)}` },
        { type: 'mrkdwn', text: `*Expected*\n${mrkdwn(main.expected)}` },
        { type: 'mrkdwn', text: `*Deviation*\n${mrkdwn(main.deviation || 'n/a')}` },
        { type: 'mrkdwn', text: `*Severity*\n${main.severity}` },
        { type: 'mrkdwn', text: `*Since*\n${ts(main.since)}` },
        { type: 'mrkdwn', text: `*Rule*\n${mrkdwn(main.rule)}` },
      ],
    });
  }
  if (others.length > 0) {
    const lines = others.map(
      (it) =>
        `• *${mrkdwn(it.what)}* on ${mrkdwn(it.where)}: ${mrkdwn(it.actual)} (expected ${mrkdwn(it.expected)})${it.active ? '' : ' — resolved'}`,
    );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Also in this incident*\n${lines.join('\n')}`.slice(0, 3000) } });
  }
  const status =
    msg.status === 'resolved' && msg.resolvedAt !== null ? `Resolved ${ts(msg.resolvedAt)}` : `Firing since ${ts(msg.startedAt)}`;
  const ack = msg.ack !== null ? ` · acknowledged by ${mrkdwn(msg.ack.by)}` : '';
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${status} · hosts: ${mrkdwn(msg.hosts.join(', ') || 'none')}${ack} · id ${ctx.id}` }],
  });
  blocks.push({
    type: 'actions',
    elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Vigil' }, url: msg.link }],
  });
  const text = `${subjectOf(msg)} — ${main !== undefined ? `${main.what} on ${main.where}: ${main.actual} (expected ${main.expected})` : ''} ${msg.link}`;
  return { text, blocks };
}

/** Posts notifications to a Slack incoming webhook as Block Kit messages. */
export class SlackNotifier implements Notifier {
  readonly id: string;
  readonly type = 'slack' as const;
  private readonly url: string;

  constructor(
    cfg: SlackConfig,
    private readonly guard?: SsrfGuardOptions,
  ) {
    this.id = cfg.id;
    this.url = cfg.url;
  }

  async send(msg: NotificationMessage, ctx: DeliveryContext, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(slackPayload(msg, ctx));
    const headers = { 'content-type': 'application/json', 'x-vigil-notification-id': ctx.id, 'x-vigil-attempt': String(ctx.attempt) };
    await postHttp(this.url, body, headers, signal, `slack channel ${this.id}`, this.guard);
  }

  close(): void {}
}
