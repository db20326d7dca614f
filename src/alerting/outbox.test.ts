import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, silentLogger } from '../core/index.js';
import { DeliveryError, type Notifier } from './channel.js';
import { alertingConfigSchema } from './config.js';
import { Outbox } from './outbox.js';
import { AlertingStore } from './store.js';
import type { DeliveryContext, NotificationMessage } from './types.js';

/** A channel whose receiver fails the first `failures` attempts of every notification, then accepts. */
class FlakyChannel implements Notifier {
  readonly id = 'flaky';
  readonly type = 'webhook' as const;
  readonly attempts: DeliveryContext[] = [];
  readonly accepted: string[] = [];
  constructor(
    private failures: number,
    private permanent = false,
  ) {}
  async send(_msg: NotificationMessage, ctx: DeliveryContext): Promise<void> {
    this.attempts.push(ctx);
    if (ctx.attempt <= this.failures) throw new DeliveryError('receiver down', this.permanent);
    this.accepted.push(ctx.id);
  }
  close(): void {}
}

function message(i: number): NotificationMessage {
  return {
    kind: 'firing',
    tenant: 'default',
    incidentId: `inc-${i}`,
    title: `incident ${i}`,
    status: 'firing',
    severity: 'critical',
    startedAt: 0,
    resolvedAt: null,
    hosts: ['web-1'],
    ack: null,
    items: [],
    link: 'http://vigil.test/incidents/x',
    version: 1,
    createdAt: 0,
  };
}

describe('Outbox', () => {
  let dir: string;
  let clock: FakeClock;
  const config = alertingConfigSchema.parse({ outbox: { initialBackoff: '1s', maxBackoff: '8s', maxAttempts: 6 } }).outbox;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-outbox-'));
    clock = new FakeClock(1_000_000);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function open(channel: Notifier): { store: AlertingStore; outbox: Outbox } {
    const store = new AlertingStore(dir);
    const outbox = new Outbox({ store, clock, logger: silentLogger(), config, notifier: () => channel, random: () => 0.5 });
    return { store, outbox };
  }

  it('delivers what was written, once, with attempt 1', async () => {
    const ch = new FlakyChannel(0);
    const { store, outbox } = open(ch);
    const ids = store.transaction(() =>
      outbox.enqueue([1, 2, 3].map((i) => ({ tenant: 'default', channel: 'flaky', message: message(i) }))),
    );
    expect(await outbox.drain()).toBe(3);
    expect(ch.accepted.sort()).toEqual([...ids].sort());
    expect(ch.attempts.every((a) => a.attempt === 1)).toBe(true);
    expect(await outbox.drain()).toBe(0);
    expect(store.outboxCounts()).toMatchObject({ pending: 0, delivered: 3 });
    store.close();
  });

  it('retries with exponential backoff and a new attempt id each time', async () => {
    const ch = new FlakyChannel(3);
    const { store, outbox } = open(ch);
    const [id] = outbox.enqueue([{ tenant: 'default', channel: 'flaky', message: message(1) }]);
    await outbox.drain();
    expect(ch.attempts).toHaveLength(1);
    clock.advance(999);
    await outbox.drain();
    expect(ch.attempts).toHaveLength(1); // 1 s backoff not over yet
    clock.advance(1);
    await outbox.drain();
    expect(ch.attempts).toHaveLength(2);
    clock.advance(1999);
    await outbox.drain();
    expect(ch.attempts).toHaveLength(2); // now 2 s
    clock.advance(1);
    await outbox.drain();
    clock.advance(4000);
    expect(await outbox.drain()).toBe(1);
    expect(ch.attempts.map((a) => `${a.id}:${a.attempt}`)).toEqual([`${id}:1`, `${id}:2`, `${id}:3`, `${id}:4`]);
    expect(ch.accepted).toEqual([id]);
    store.close();
  });

  it('keeps pending notifications across a restart and does not reuse an attempt number', async () => {
    const down = new FlakyChannel(1);
    const first = open(down);
    const [id] = first.outbox.enqueue([{ tenant: 'default', channel: 'flaky', message: message(1) }]);
    await first.outbox.drain();
    await first.outbox.stop();
    first.store.close();

    const up = new FlakyChannel(0);
    const second = open(up);
    clock.advance(60_000);
    expect(await second.outbox.drain()).toBe(1);
    expect(up.attempts).toEqual([{ id, attempt: 2 }]);
    second.store.close();
  });

  it('waits at least as long as the receiver asked (Retry-After), capped at maxBackoff', async () => {
    const attempts: number[] = [];
    const limited: Notifier = {
      id: 'limited',
      type: 'slack',
      async send(_m, ctx) {
        attempts.push(clock.now());
        if (ctx.attempt === 1) throw new DeliveryError('rate limited', false, { retryAfterMs: 6000 });
      },
      close() {},
    };
    const { store, outbox } = open(limited);
    outbox.enqueue([{ tenant: 'default', channel: 'limited', message: message(1) }]);
    await outbox.drain();
    clock.advance(5999);
    await outbox.drain();
    expect(attempts).toHaveLength(1);
    clock.advance(1);
    expect(await outbox.drain()).toBe(1);
    store.close();
  });

  it('gives up on permanent errors and after maxAttempts', async () => {
    const perm = new FlakyChannel(100, true);
    const a = open(perm);
    a.outbox.enqueue([{ tenant: 'default', channel: 'flaky', message: message(1) }]);
    await a.outbox.drain();
    expect(perm.attempts).toHaveLength(1);
    expect(a.store.outboxCounts()).toMatchObject({ pending: 0, failed: 1 });
    a.store.close();

    rmSync(dir, { recursive: true, force: true });
    const flaky = new FlakyChannel(100);
    const b = open(flaky);
    b.outbox.enqueue([{ tenant: 'default', channel: 'flaky', message: message(2) }]);
    for (let i = 0; i < 10; i++) {
      await b.outbox.drain();
      clock.advance(60_000);
    }
    expect(flaky.attempts).toHaveLength(6);
    expect(b.store.outboxCounts()).toMatchObject({ pending: 0, failed: 1 });
    b.store.close();
  });
});
