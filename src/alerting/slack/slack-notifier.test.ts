import { describe, expect, it } from 'vitest';
import { type ChannelHarness, runChannelContract } from '../channel-contract.js';
import { sampleMessage } from '../testing/fixtures.js';
import { HttpReceiver } from '../testing/http-receiver.js';
import { SlackNotifier, slackPayload } from './slack-notifier.js';

async function harness(): Promise<ChannelHarness> {
  const rx = new HttpReceiver();
  const url = await rx.start();
  const extra: HttpReceiver[] = [];
  return {
    notifier: new SlackNotifier({ id: 'slack', type: 'slack', url: `${url}/services/T000/B000/XXXX` }),
    received: () =>
      rx.accepted().map((r) => ({
        id: String(r.headers['x-vigil-notification-id']),
        attempt: Number(r.headers['x-vigil-attempt']),
        content: r.body,
      })),
    refuseNext: (kind) => rx.script.push(kind === 'retry' ? 500 : 404),
    hangingNotifier: async () => {
      const hung = new HttpReceiver();
      hung.hang = true;
      extra.push(hung);
      return new SlackNotifier({ id: 'hung', type: 'slack', url: `${await hung.start()}/hook` });
    },
    close: async () => {
      await rx.stop();
      for (const e of extra) await e.stop();
    },
  };
}

runChannelContract('slack', harness);

describe('slack Block Kit message', () => {
  it('is a valid Block Kit layout: header, main section with fields, other members, context, link button', () => {
    const { text, blocks } = slackPayload(sampleMessage(), { id: 'n-1', attempt: 1 });
    expect(text).toContain('node_load1');
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context', 'actions']);
    const header = blocks[0] as { text: { type: string; text: string } };
    expect(header.text.type).toBe('plain_text');
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const main = blocks[1] as { fields: Array<{ text: string }>; text: { text: string } };
    expect(main.fields.length).toBeLessThanOrEqual(10);
    expect(main.text.text).toContain('&lt;b&gt;');
    const actions = blocks[4] as { elements: Array<{ url: string }> };
    expect(actions.elements[0]?.url).toBe('http://vigil.example:9470/incidents/inc-42');
  });

  it('posts JSON to the incoming webhook path', async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    const n = new SlackNotifier({ id: 's', type: 'slack', url: `${url}/services/T1/B2/secret` });
    await n.send(sampleMessage(), { id: 'x', attempt: 1 }, AbortSignal.timeout(5000));
    const [req] = rx.accepted();
    expect(req?.path).toBe('/services/T1/B2/secret');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body).blocks).toHaveLength(5);
    await rx.stop();
  });

  it('passes on Slack rate limiting (429 + Retry-After) as a retryable error with the requested delay', async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    rx.script.push(429);
    rx.responseHeaders = { 'retry-after': '7' };
    const n = new SlackNotifier({ id: 's', type: 'slack', url: `${url}/services/T1/B2/secret` });
    await expect(n.send(sampleMessage(), { id: 'x', attempt: 1 }, AbortSignal.timeout(5000))).rejects.toMatchObject({
      permanent: false,
      retryAfterMs: 7000,
    });
    await rx.stop();
  });

  it('never puts the webhook URL in a delivery error', async () => {
    const n = new SlackNotifier({ id: 's', type: 'slack', url: 'http://127.0.0.1:1/services/T1/B2/topsecret' });
    const err = await n.send(sampleMessage(), { id: 'x', attempt: 1 }, AbortSignal.timeout(3000)).catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain('topsecret');
  });
});
