import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type ChannelHarness, runChannelContract } from '../channel-contract.js';
import { sampleMessage } from '../testing/fixtures.js';
import { SmtpReceiver } from '../testing/smtp-receiver.js';
import { EmailNotifier } from './email-notifier.js';

const AUTH = { user: 'vigil', password: 'smtp-pass-123' };

function cfg(port: number) {
  return {
    id: 'mail',
    type: 'email' as const,
    host: '127.0.0.1',
    port,
    secure: false,
    user: AUTH.user,
    password: AUTH.password,
    from: 'vigil@example.test',
    to: ['oncall@example.test', 'sre@example.test'],
    tlsInsecure: false,
  };
}

async function harness(): Promise<ChannelHarness> {
  const rx = new SmtpReceiver(AUTH);
  const port = await rx.start();
  const silent: Server[] = [];
  const sockets: Socket[] = [];
  return {
    notifier: new EmailNotifier(cfg(port)),
    received: () =>
      rx.mails.map((m) => ({
        id: m.headers['x-vigil-notification-id'] ?? '',
        attempt: Number(m.headers['x-vigil-attempt']),
        content: `${m.headers.subject}\n${m.text}\n${m.html}`,
      })),
    refuseNext: (kind) => rx.script.push(kind === 'retry' ? 451 : 550),
    hangingNotifier: async () => {
      // Accepts TCP connections and never sends the SMTP greeting.
      const s = createServer((sock) => sockets.push(sock));
      silent.push(s);
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return new EmailNotifier(cfg((s.address() as AddressInfo).port));
    },
    close: async () => {
      await rx.stop();
      for (const s of sockets) s.destroy();
      for (const s of silent) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

runChannelContract('email', harness);

describe('email specifics', () => {
  it('authenticates, addresses every recipient, sends text and HTML, and uses the notification id as Message-ID', async () => {
    const rx = new SmtpReceiver(AUTH);
    const port = await rx.start();
    const n = new EmailNotifier(cfg(port));
    await n.send(sampleMessage(), { id: 'abc-123', attempt: 1 }, AbortSignal.timeout(5000));
    n.close();
    const [m] = rx.mails;
    expect(m?.user).toBe('vigil');
    expect(m?.from).toBe('vigil@example.test');
    expect(m?.to).toEqual(['oncall@example.test', 'sre@example.test']);
    expect(m?.headers['message-id']).toBe('<abc-123@vigil>');
    expect(m?.headers.subject).toBe('[FIRING critical] web-1: node_load1 far above normal (+1 more)');
    expect(m?.text).toContain('actual 12.5, expected 0.5 – 2');
    expect(m?.text).toContain('Open in Vigil: http://vigil.example:9470/incidents/inc-42');
    expect(m?.html).toContain('<a href="http://vigil.example:9470/incidents/inc-42">');
    expect(m?.html).toContain('café &lt;b&gt;');
    await rx.stop();
  });

  it('treats refused credentials (SMTP 535) as permanent', async () => {
    const rx = new SmtpReceiver(AUTH);
    const port = await rx.start();
    const n = new EmailNotifier({ ...cfg(port), password: 'wrong' });
    await expect(n.send(sampleMessage(), { id: 'x', attempt: 1 }, AbortSignal.timeout(5000))).rejects.toMatchObject({ permanent: true });
    n.close();
    expect(rx.mails).toHaveLength(0);
    await rx.stop();
  });
});
