import { randomUUID } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock, Logger } from '../core/index.js';
import type { Notifier } from './channel.js';
import type { AlertingConfig } from './config.js';
import type { AlertingStore } from './store.js';
import type { NotificationMessage } from './types.js';

/** Options of the outbox. */
export interface OutboxOptions {
  store: AlertingStore;
  clock: Clock;
  logger: Logger;
  /** Where outbox metrics are registered; none when absent. */
  registry?: Registry;
  /** Finds the notifier of a channel; null when the channel no longer exists. */
  notifier: (tenant: string, channelId: string) => Notifier | null;
  config: AlertingConfig['outbox'];
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
  /** How often the loop looks for due notifications when nothing kicks it (ms). */
  pollInterval?: number;
}

/** One notification to record. */
export interface OutboxItem {
  tenant: string;
  channel: string;
  message: NotificationMessage;
}

/**
 * The durable outbox: a notification is committed to SQLite before any attempt to send it, each attempt is
 * counted (and committed) before it is made, and rows stay pending until a receiver accepts them — so a crash
 * at any point loses nothing. Delivery is at least once; the receiver de-duplicates by the stable notification
 * id, and an attempt id (`id:attempt`) is never sent twice.
 */
export class Outbox {
  private readonly o: OutboxOptions;
  private readonly inflight = new Set<string>();
  private draining: Promise<number> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopping = new AbortController();
  private readonly random: () => number;
  private readonly metrics: { sent: Counter<'result'>; pending: Gauge } | null;

  constructor(opts: OutboxOptions) {
    this.o = opts;
    this.random = opts.random ?? Math.random;
    this.metrics =
      opts.registry === undefined
        ? null
        : {
            sent: new Counter({
              name: 'vigil_alerting_notification_attempts_total',
              help: 'Notification delivery attempts by result (delivered, retry, failed).',
              labelNames: ['result'],
              registers: [opts.registry],
            }),
            pending: new Gauge({
              name: 'vigil_alerting_outbox_pending',
              help: 'Notifications written to the outbox and not yet delivered.',
              registers: [opts.registry],
            }),
          };
  }

  /** Records notifications; call inside the store transaction that decided to send them. Returns their ids. */
  enqueue(items: readonly OutboxItem[]): string[] {
    const now = this.o.clock.now();
    const ids: string[] = [];
    for (const it of items) {
      const id = randomUUID();
      this.o.store.insertOutbox({
        id,
        tenant: it.tenant,
        channel: it.channel,
        incidentId: it.message.incidentId,
        kind: it.message.kind,
        payload: JSON.stringify(it.message),
        createdAt: now,
        nextAt: now,
      });
      ids.push(id);
    }
    return ids;
  }

  /** Starts the delivery loop. */
  start(): void {
    if (this.timer !== null) return;
    this.stopping = new AbortController();
    this.timer = setInterval(() => this.kick(), this.o.pollInterval ?? 500);
    this.timer.unref();
    this.kick();
  }

  /** Asks the loop to look for due notifications now (after enqueueing). */
  kick(): void {
    if (this.stopping.signal.aborted) return;
    this.drain().catch((e: unknown) => this.o.logger.error({ err: e }, 'alerting outbox: delivery loop failed'));
  }

  /** Stops the loop, aborting attempts in flight (they stay pending and are retried after restart). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.stopping.abort();
    await this.draining?.catch(() => undefined);
  }

  /** Delivers every notification due now (and those that become due meanwhile); resolves with how many were delivered. */
  drain(): Promise<number> {
    if (this.draining !== null) {
      this.again = true;
      return this.draining;
    }
    const run = async (): Promise<number> => {
      let n = 0;
      do {
        this.again = false;
        n += await this.round();
      } while (this.again && !this.stopping.signal.aborted);
      return n;
    };
    this.draining = run().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async round(): Promise<number> {
    let delivered = 0;
    const limit = this.o.config.concurrency;
    // Each row is tried at most once per round, so a zero backoff under a stopped clock cannot spin.
    const tried = new Set<string>();
    for (;;) {
      if (this.stopping.signal.aborted) return delivered;
      const rows = this.o.store
        .dueOutbox(this.o.clock.now(), limit * 4 + tried.size)
        .filter((r) => !this.inflight.has(r.id) && !tried.has(r.id));
      if (rows.length === 0) break;
      for (const r of rows) tried.add(r.id);
      for (let i = 0; i < rows.length; i += limit) {
        const batch = rows.slice(i, i + limit);
        const ok = await Promise.all(batch.map((r) => this.attempt(r.id, r.tenant, r.channel, r.payload, r.createdAt)));
        delivered += ok.filter(Boolean).length;
      }
    }
    this.metrics?.pending.set(this.o.store.outboxCounts().pending ?? 0);
    return delivered;
  }

  private async attempt(id: string, tenant: string, channelId: string, payload: string, createdAt: number): Promise<boolean> {
    const { store, clock, logger, config } = this.o;
    const log = logger.child({ notification: id, channel: channelId, tenant });
    const notifier = this.o.notifier(tenant, channelId);
    if (notifier === null) {
      store.markFailed(id, `channel "${channelId}" does not exist`);
      log.warn('alerting outbox: channel no longer exists; notification dropped');
      this.metrics?.sent.inc({ result: 'failed' });
      return false;
    }
    this.inflight.add(id);
    const attempt = store.beginAttempt(id);
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(config.timeout)]);
    try {
      await notifier.send(JSON.parse(payload) as NotificationMessage, { id, attempt }, signal);
      store.markDelivered(id, clock.now());
      this.metrics?.sent.inc({ result: 'delivered' });
      log.debug({ attempt }, 'alerting outbox: delivered');
      return true;
    } catch (e) {
      const err = e as Error & { permanent?: boolean; retryAfterMs?: number };
      const message = err.message ?? String(e);
      const now = clock.now();
      if (err.permanent === true || attempt >= config.maxAttempts || now - createdAt >= config.maxAge) {
        store.markFailed(id, message);
        this.metrics?.sent.inc({ result: 'failed' });
        log.error({ attempt, error: message }, 'alerting outbox: notification given up');
      } else {
        const base = Math.min(config.maxBackoff, config.initialBackoff * 2 ** (attempt - 1));
        // A receiver's Retry-After (Slack rate limits) wins over our backoff, capped at maxBackoff.
        const delay = Math.max(Math.round(base * (0.8 + 0.4 * this.random())), Math.min(err.retryAfterMs ?? 0, config.maxBackoff));
        store.markRetry(id, now + delay, message);
        this.metrics?.sent.inc({ result: 'retry' });
        log.warn({ attempt, retryInMs: delay, error: message }, 'alerting outbox: delivery failed; will retry');
      }
      return false;
    } finally {
      this.inflight.delete(id);
    }
  }
}
