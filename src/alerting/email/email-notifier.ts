import nodemailer, { type Transporter } from 'nodemailer';
import { DeliveryError, type Notifier } from '../channel.js';
import type { ChannelConfig } from '../config.js';
import { renderHtml, renderText, subjectOf } from '../message.js';
import type { DeliveryContext, NotificationMessage } from '../types.js';

type EmailConfig = Extract<ChannelConfig, { type: 'email' }>;

/** Sends notifications as e-mail (text and HTML parts) over SMTP with nodemailer. */
export class EmailNotifier implements Notifier {
  readonly id: string;
  readonly type = 'email' as const;
  private readonly cfg: EmailConfig;
  private readonly transport: Transporter;

  constructor(cfg: EmailConfig, timeoutMs = 10_000) {
    this.id = cfg.id;
    this.cfg = cfg;
    this.transport = nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      auth: cfg.user !== undefined ? { user: cfg.user, pass: cfg.password ?? '' } : undefined,
      tls: { rejectUnauthorized: !cfg.tlsInsecure },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      logger: false,
    });
  }

  async send(msg: NotificationMessage, ctx: DeliveryContext, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const sending = this.transport.sendMail({
      from: this.cfg.from,
      to: this.cfg.to,
      subject: subjectOf(msg),
      text: renderText(msg),
      html: renderHtml(msg),
      // The same Message-ID on every retry lets mail clients and the receiver de-duplicate.
      messageId: `<${ctx.id}@vigil>`,
      headers: { 'X-Vigil-Notification-Id': ctx.id, 'X-Vigil-Attempt': String(ctx.attempt), 'X-Vigil-Incident': msg.incidentId },
    });
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(new DeliveryError(`email channel ${this.id}: attempt aborted`, false)), { once: true });
    });
    try {
      await Promise.race([sending, aborted]);
    } catch (e) {
      if (e instanceof DeliveryError) throw e;
      const code = (e as { responseCode?: number }).responseCode;
      // SMTP 5xx replies are permanent (bad recipient, rejected); 4xx and connection errors are worth retrying.
      throw new DeliveryError(`email channel ${this.id}: ${(e as Error).message}`, code !== undefined && code >= 500, { cause: e });
    }
  }

  close(): void {
    this.transport.close();
  }
}
