import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { type SelfSignedCert, selfSignedCert } from '../../test/support/tls.js';
import { type AgentOptions, createAgent } from './agent.js';
import { encodeBatch } from './batch.js';
import { IngestReceiver, type ReceiverAction } from './test-receiver.js';

const KEY = 'agent-test-key-0123456789';
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-agent-'));
  dirs.push(d);
  return d;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

async function receiver(intercept?: (n: number) => ReceiverAction): Promise<IngestReceiver> {
  const r = new IngestReceiver({ key: KEY, ...(intercept ? { intercept } : {}) });
  await r.start();
  cleanups.push(() => r.stop());
  return r;
}

function agentFor(r: IngestReceiver, extra: Partial<AgentOptions> = {}) {
  const a = createAgent({
    server: r.url,
    key: KEY,
    intervalMs: 200,
    hostname: 'outage-test',
    hostId: 'outage-test-id',
    minBackoffMs: 40,
    maxBackoffMs: 250,
    stopTimeoutMs: 3000,
    topProcesses: 1,
    ...extra,
  });
  cleanups.push(() => a.stop());
  return a;
}

/** Timestamps of the agent's own spool-depth gauge: one sample per collection, so it shows every batch. */
function batchTimes(r: IngestReceiver): number[] {
  return r.find('"vigil_agent_spool_batches"', '"outage-test-id"').map((s) => s.t);
}

describe('shipping', () => {
  it('outage: every sample collected while the server is down arrives after it comes back, in order, none twice', async () => {
    // Request 3 is stored but its answer is lost, so the agent must resend it: the receiver de-duplicates as the server does.
    const r = await receiver((n) => (n === 3 ? 'lose-ack' : undefined));
    const spoolDir = tempDir();
    const agent = agentFor(r, { spoolDir });
    await agent.start();
    await until(() => agent.stats().sentBatches >= 4);

    await r.stop();
    const downAt = Date.now();
    await until(() => agent.stats().spoolBatches >= 6);
    await sleep(Math.max(0, 1500 - (Date.now() - downAt)));
    // While the server is down the batches wait on disk, one file each.
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json.gz')).length).toBeGreaterThanOrEqual(6);
    await r.start();
    const upAt = Date.now();

    await until(() => agent.stats().spoolBatches === 0 && agent.stats().collections >= 14);
    await agent.stop();

    const s = agent.stats();
    expect(s.sendErrors).toBeGreaterThan(0);
    expect(r.duplicates).toBeGreaterThan(0);
    expect(s.droppedBatches).toBe(0);
    expect(s.spoolBatches).toBe(0);
    const times = batchTimes(r);
    expect(times).toHaveLength(s.collections);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    expect(times.filter((t) => t >= downAt && t < upAt).length).toBeGreaterThanOrEqual(5);
    // Every series holds each timestamp at most once.
    for (const samples of r.series.values()) expect(new Set(samples.map((x) => x.t)).size).toBe(samples.length);
    const load = r.find('"node_load1"', '"outage-test-id"');
    expect(load.map((x) => x.t)).toEqual(times);
  });

  it('a spool at its cap drops the oldest batches, reports how many, and keeps running', async () => {
    const r = await receiver();
    await r.stop();
    const spoolDir = tempDir();
    // A cap of about three batches, measured from one real batch gzipped as the agent spools it.
    const batchBytes = gzipSync(encodeBatch(await createAgent({ server: r.url, key: KEY, topProcesses: 1 }).collectOnce())).length;
    const cap = Math.round(batchBytes * 3.5);
    const agent = agentFor(r, { spoolDir, spoolMaxBytes: cap });
    await agent.start();
    await until(() => agent.stats().droppedBatches >= 3);
    const dropped = agent.stats().droppedBatches;
    expect(agent.stats().spoolBytes).toBeLessThanOrEqual(cap + batchBytes);
    const kept = agent.stats().spoolBatches;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThanOrEqual(5);
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json.gz'))).toHaveLength(kept);
    expect(kept).toBeLessThan(agent.stats().collections);

    await r.start();
    await until(() => agent.stats().sentBatches >= kept + 3 && agent.stats().spoolBatches === 0);
    await agent.stop();
    const s = agent.stats();
    expect(s.droppedBatches).toBeGreaterThanOrEqual(dropped);
    // What arrived is the newest batches, in order, and the loss is reported as a metric the server received.
    const times = batchTimes(r);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    expect(times.length + s.droppedBatches).toBe(s.collections);
    const reported = r.find('"vigil_agent_dropped_batches_total"', '"outage-test-id"');
    expect(Math.max(...reported.map((x) => Number(x.v)))).toBeGreaterThanOrEqual(dropped);
  });

  it('replays a spool left by a previous run before new batches', async () => {
    const r = await receiver();
    await r.stop();
    const spoolDir = tempDir();
    const first = agentFor(r, { spoolDir, stopTimeoutMs: 100 });
    await first.start();
    await until(() => first.stats().spoolBatches >= 3);
    await first.stop();
    const left = first.stats().spoolBatches;
    expect(left).toBeGreaterThanOrEqual(3);

    await r.start();
    const second = agentFor(r, { spoolDir });
    await second.start();
    await until(() => second.stats().sentBatches >= left + 2);
    await second.stop();
    const times = batchTimes(r);
    expect(times.length).toBe(first.stats().collections + second.stats().collections);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
  });

  it('does not retry a 400 but retries 429 and 503, honouring Retry-After', async () => {
    const seen: number[] = [];
    const r = await receiver((n) => {
      seen.push(Date.now());
      if (n === 1) return { status: 400 };
      if (n === 2) return { status: 429, retryAfter: '1' };
      if (n === 3) return { status: 503 };
      return undefined;
    });
    const agent = agentFor(r, { intervalMs: 60_000 });
    await agent.start();
    await until(() => agent.stats().rejectedBatches === 1);
    // The refused batch is gone; the next one goes through 429 (waits 1 s) and 503 before it is accepted.
    await agent.runOnce(5000);
    const s = agent.stats();
    expect(s.rejectedBatches).toBe(1);
    expect(s.sendErrors).toBe(2);
    expect(s.sentBatches).toBe(1);
    expect((seen[2] as number) - (seen[1] as number)).toBeGreaterThanOrEqual(950);
  });

  it('ships over TLS to a server whose certificate is signed by the CA in caFile, and refuses it without', async (ctx) => {
    const d = tempDir();
    let tls: SelfSignedCert | undefined;
    try {
      tls = selfSignedCert(d);
    } catch {
      // No openssl on this machine.
    }
    if (tls === undefined) {
      ctx.skip();
      return;
    }
    const r = new IngestReceiver({ key: KEY, tls: { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) } });
    await r.start();
    cleanups.push(() => r.stop());
    expect(r.url).toMatch(/^https:/);
    const trusted = agentFor(r, { intervalMs: 60_000, caFile: tls.certFile, hostId: 'tls-ok' });
    expect(await trusted.runOnce(5000)).toBe(true);
    const untrusted = agentFor(r, { intervalMs: 60_000, hostId: 'tls-bad' });
    expect(await untrusted.runOnce(500)).toBe(false);
    expect(untrusted.stats().sendErrors).toBeGreaterThan(0);
    expect(r.find('"tls-ok"').length).toBeGreaterThan(0);
    expect(r.find('"tls-bad"')).toHaveLength(0);
  });

  it('stop() without a spool dir delivers what is queued when the server is up', async () => {
    const r = await receiver();
    const agent = agentFor(r, { intervalMs: 60_000 });
    await agent.start();
    await agent.stop();
    expect(agent.stats()).toMatchObject({ collections: 1, sentBatches: 1, spoolBatches: 0 });
    expect(batchTimes(r)).toHaveLength(1);
  });
});
