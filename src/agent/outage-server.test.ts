import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// The agent itself never imports the server; this test runs the real one to show the end-to-end guarantee.
import { startServer } from '../api/index.js';
import { configSchema, DEFAULT_TENANT, freePort, validateConfig } from '../core/index.js';
import { openStorage } from '../tsdb/index.js';
import { createAgent } from './agent.js';

const KEY = 'agent-outage-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

describe('agent against the real server', () => {
  it('server stopped for a while and restarted: every sample collected meanwhile is stored once', async () => {
    const port = await freePort();
    const config = validateConfig(configSchema, {
      server: { host: '127.0.0.1', port, data: join(dir, 'data'), agentKey: KEY, localAgent: false },
      log: { level: 'silent' },
    });
    let srv = await startServer({ config });
    const agent = createAgent({
      server: srv.url,
      key: KEY,
      intervalMs: 200,
      hostname: 'outage-real',
      hostId: 'outage-real-id',
      spoolDir: join(dir, 'spool'),
      minBackoffMs: 50,
      maxBackoffMs: 300,
      topProcesses: 1,
    });
    await agent.start();
    await until(() => agent.stats().sentBatches >= 3);

    await srv.close();
    const downAt = Date.now();
    await until(() => agent.stats().spoolBatches >= 6);
    await sleep(Math.max(0, 1500 - (Date.now() - downAt)));
    srv = await startServer({ config });
    const upAt = Date.now();
    await until(() => agent.stats().spoolBatches === 0 && agent.stats().collections >= 15);
    await agent.stop();
    await srv.close();

    const s = agent.stats();
    expect(s.sendErrors).toBeGreaterThan(0);
    expect(s).toMatchObject({ droppedBatches: 0, rejectedBatches: 0, rejectedSamples: 0, spoolBatches: 0 });
    const store = await openStorage({ dir: join(dir, 'data', 'tsdb') });
    try {
      const matchers = (name: string) => [
        { name: '__name__', op: '=' as const, value: name },
        { name: 'host_id', op: '=' as const, value: 'outage-real-id' },
      ];
      const [depth] = await store.select(DEFAULT_TENANT, matchers('vigil_agent_spool_batches'), 0, Date.now() + 1000);
      const times = depth?.timestamps ?? [];
      expect(times).toHaveLength(s.collections);
      expect(new Set(times).size).toBe(times.length);
      expect(times.filter((t) => t >= downAt && t < upAt).length).toBeGreaterThanOrEqual(5);
      const [load] = await store.select(DEFAULT_TENANT, matchers('node_load1'), 0, Date.now() + 1000);
      expect(load?.timestamps).toEqual(times);
    } finally {
      await store.close();
    }
  });
});
