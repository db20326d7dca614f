import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DeliveryError } from './channel.js';
import { createNotifier } from './notifiers.js';
import type { NotificationMessage } from './types.js';

const msg = {
  kind: 'test',
  tenant: 'default',
  incidentId: 'i1',
  title: 'test',
  status: 'firing',
  severity: 'warning',
  startedAt: 0,
  resolvedAt: null,
  hosts: [],
  ack: null,
  items: [],
  link: 'http://vigil.example/incidents/i1',
  version: 1,
  createdAt: 0,
} satisfies NotificationMessage;

describe('outgoing request guard (SSRF)', () => {
  it('refuses loopback, private and metadata targets for webhook and Slack channels unless allowed', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook?token=secret-token`;
    try {
      for (const cfg of [
        { id: 'w', type: 'webhook' as const, url, format: 'vigil' as const, headers: {} },
        { id: 's', type: 'slack' as const, url },
        { id: 'meta', type: 'webhook' as const, url: 'http://169.254.169.254/latest/meta-data', format: 'vigil' as const, headers: {} },
      ]) {
        const guarded = createNotifier(cfg, 2000, { allowPrivate: false });
        const err = await guarded.send(msg, { id: 'n1', attempt: 1 }, AbortSignal.timeout(2000)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DeliveryError);
        expect((err as DeliveryError).permanent).toBe(true);
        expect((err as Error).message).toMatch(/private, loopback or link-local/);
        expect((err as Error).message).not.toContain('secret-token');
      }
      expect(hits).toBe(0);
      const allowed = createNotifier({ id: 'w', type: 'webhook', url, format: 'vigil', headers: {} }, 2000, { allowPrivate: true });
      await allowed.send(msg, { id: 'n2', attempt: 1 }, AbortSignal.timeout(2000));
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });
});
