import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ChannelHarness, runChannelContract } from '../channel-contract.js';
import { sampleMessage } from '../testing/fixtures.js';
import { HttpReceiver } from '../testing/http-receiver.js';
import { SIGNATURE_HEADER, WebhookNotifier } from './webhook-notifier.js';

const SECRET = 'a-shared-secret-123';

/** What a receiver does to check the signature: HMAC the raw body and compare in constant time. */
function verify(body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const want = Buffer.from(createHmac('sha256', SECRET).update(body).digest('hex'));
  const got = Buffer.from(header.slice(7));
  return want.length === got.length && timingSafeEqual(want, got);
}

function harness(format: 'vigil' | 'alertmanager'): () => Promise<ChannelHarness> {
  return async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    const extra: HttpReceiver[] = [];
    return {
      notifier: new WebhookNotifier({ id: 'hook', type: 'webhook', url: `${url}/hook`, secret: SECRET, format, headers: {} }),
      received: () =>
        rx
          .accepted()
          .filter((r) => verify(r.body, r.headers[SIGNATURE_HEADER]))
          .map((r) => ({
            id: String(r.headers['x-vigil-notification-id']),
            attempt: Number(r.headers['x-vigil-attempt']),
            content: r.body,
          })),
      refuseNext: (kind) => rx.script.push(kind === 'retry' ? 503 : 410),
      hangingNotifier: async () => {
        const hung = new HttpReceiver();
        hung.hang = true;
        extra.push(hung);
        return new WebhookNotifier({ id: 'hung', type: 'webhook', url: `${await hung.start()}/x`, format, headers: {} });
      },
      close: async () => {
        await rx.stop();
        for (const e of extra) await e.stop();
      },
    };
  };
}

runChannelContract('webhook (vigil JSON)', harness('vigil'));
runChannelContract('webhook (alertmanager payload)', harness('alertmanager'));

describe('webhook specifics', () => {
  it('signs the exact body with HMAC-SHA256; a tampered body or another secret does not verify', async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    const n = new WebhookNotifier({ id: 'h', type: 'webhook', url, secret: SECRET, format: 'vigil', headers: { 'x-team': 'ops' } });
    await n.send(sampleMessage(), { id: 'id-1', attempt: 2 }, AbortSignal.timeout(5000));
    const [req] = rx.accepted();
    expect(verify(req!.body, req!.headers[SIGNATURE_HEADER])).toBe(true);
    expect(verify(req!.body.replace('12.5', '12.6'), req!.headers[SIGNATURE_HEADER])).toBe(false);
    expect(req!.headers['x-team']).toBe('ops');
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({
      schemaVersion: 1,
      version: 1,
      id: 'id-1',
      attempt: 2,
      incidentId: 'inc-42',
      status: 'firing',
      severity: 'critical',
    });
    expect(body.items[0]).toMatchObject({ what: 'node_load1', actual: '12.5', expected: '0.5 – 2' });
    await rx.stop();
  });

  it('sends no signature header without a secret', async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    await new WebhookNotifier({ id: 'h', type: 'webhook', url, format: 'vigil', headers: {} }).send(
      sampleMessage(),
      { id: 'i', attempt: 1 },
      AbortSignal.timeout(5000),
    );
    expect(rx.accepted()[0]?.headers[SIGNATURE_HEADER]).toBeUndefined();
    await rx.stop();
  });

  it('speaks the Alertmanager webhook format (version 4) so existing receivers work', async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    const n = new WebhookNotifier({ id: 'am', type: 'webhook', url, format: 'alertmanager', headers: {} });
    await n.send(sampleMessage(), { id: 'i', attempt: 1 }, AbortSignal.timeout(5000));
    const body = JSON.parse(rx.accepted()[0]!.body);
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'am', groupLabels: { incident: 'inc-42' } });
    expect(body.externalURL).toBe('http://vigil.example:9470');
    expect(body.commonLabels).toMatchObject({ alertname: 'high-severity-anomaly', incident: 'inc-42' });
    expect(body.alerts).toHaveLength(2);
    expect(body.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { __name__: 'node_load1', host: 'web-1', severity: 'critical', alertname: 'high-severity-anomaly' },
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://vigil.example:9470/incidents/inc-42',
    });
    expect(body.alerts[0].annotations.summary).toContain('12.5');
    expect(new Date(body.alerts[0].startsAt).getTime()).toBe(sampleMessage().startedAt);
    await rx.stop();
  });
});
