import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notifier } from './channel.js';
import { sampleMessage } from './testing/fixtures.js';

/** What a channel's receiver saw for one delivery, normalised for the contract. */
export interface ReceivedDelivery {
  id: string;
  attempt: number;
  /** Everything a person could read: subject, text, HTML, blocks, JSON body. */
  content: string;
}

/** A notifier wired to a real receiver on loopback, as each channel's test builds it. */
export interface ChannelHarness {
  notifier: Notifier;
  received(): ReceivedDelivery[];
  /** Makes the receiver refuse the next delivery, transiently (`retry`) or for good (`permanent`). */
  refuseNext(kind: 'retry' | 'permanent'): void;
  /** A notifier of the same kind pointed at a receiver that accepts the connection and never answers. */
  hangingNotifier(): Promise<Notifier>;
  close(): Promise<void>;
}

/**
 * The channel contract every notifier passes (run by each channel's own test file): content carries the why,
 * identity reaches the receiver for de-duplication, failures are classified, and attempts honour their abort signal.
 */
export function runChannelContract(name: string, setup: () => Promise<ChannelHarness>): void {
  describe(`channel contract: ${name}`, () => {
    let h: ChannelHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      h.notifier.close();
      await h.close();
    });

    it('delivers a firing notification carrying what, where, since, actual vs expected, severity, other members, link', async () => {
      const msg = sampleMessage();
      await h.notifier.send(msg, { id: 'n-1', attempt: 1 }, AbortSignal.timeout(5000));
      const got = h.received().find((r) => r.id === 'n-1');
      expect(got).toBeDefined();
      const c = got!.content;
      for (const s of [
        'node_load1',
        'web-1',
        '12.5',
        '0.5 – 2',
        'critical',
        '525%',
        'node_memory_used_bytes',
        'db-1',
        '15.2 GiB',
        msg.link,
      ]) {
        expect(c, `content should contain "${s}"`).toContain(s);
      }
      expect(c.includes(new Date(msg.startedAt).toISOString().slice(0, 16)) || c.includes(String(msg.startedAt))).toBe(true);
      expect(c).toContain('café');
    });

    it('gives the receiver the stable notification id and the attempt number', async () => {
      await h.notifier.send(sampleMessage(), { id: 'n-2', attempt: 3 }, AbortSignal.timeout(5000));
      const got = h.received().filter((r) => r.id === 'n-2');
      expect(got.map((r) => r.attempt)).toEqual([3]);
    });

    it('says when an incident is resolved', async () => {
      const msg = sampleMessage({ kind: 'resolved', status: 'resolved', resolvedAt: Date.UTC(2026, 10, 22, 15, 0, 0) });
      await h.notifier.send(msg, { id: 'n-3', attempt: 1 }, AbortSignal.timeout(5000));
      expect(h.received().find((r) => r.id === 'n-3')?.content).toMatch(/resolved/i);
    });

    it('reports a transient refusal as retryable and a permanent one as permanent', async () => {
      h.refuseNext('retry');
      await expect(h.notifier.send(sampleMessage(), { id: 'n-4', attempt: 1 }, AbortSignal.timeout(5000))).rejects.toMatchObject({
        permanent: false,
      });
      h.refuseNext('permanent');
      await expect(h.notifier.send(sampleMessage(), { id: 'n-5', attempt: 1 }, AbortSignal.timeout(5000))).rejects.toMatchObject({
        permanent: true,
      });
      expect(h.received().some((r) => r.id === 'n-4' || r.id === 'n-5')).toBe(false);
    });

    it('gives up an attempt when its signal aborts', async () => {
      const hung = await h.hangingNotifier();
      const started = Date.now();
      await expect(hung.send(sampleMessage(), { id: 'n-6', attempt: 1 }, AbortSignal.timeout(300))).rejects.toBeDefined();
      expect(Date.now() - started).toBeLessThan(3000);
      hung.close();
    });
  });
}
