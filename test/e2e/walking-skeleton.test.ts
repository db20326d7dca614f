import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_AGENT_KEY, type TestServer } from '../support/server.js';

// The thinnest real path end to end: a real agent process collects this machine's metrics and ships them
// over HTTP to a real server, which stores them in the embedded store; the query API returns them.

const agentEntry = fileURLToPath(new URL('../../src/agent/standalone.ts', import.meta.url));
let srv: TestServer;
/** Exit code of the agent after SIGTERM. */
let stopCode: number | null = null;

interface PromResponse {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

async function queryRange(query: string, start: number, end: number, step: number): Promise<PromResponse> {
  const u = new URL('/api/v1/query_range', srv.url);
  u.search = new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: String(step) }).toString();
  const res = await fetch(u, { headers: { authorization: srv.adminAuth } });
  expect(res.status).toBe(200);
  return (await res.json()) as PromResponse;
}

beforeAll(async () => {
  srv = await startTestServer();
  const t0 = Date.now();
  const agent = spawn(
    process.execPath,
    ['--import', 'tsx', agentEntry, '--server', srv.url, '--key', TEST_AGENT_KEY, '--interval', '1s', '--label', 'env=e2e'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, VIGIL_AGENT_SPOOL: `${srv.dataDir}/agent-spool`, VIGIL_LOG_LEVEL: 'warn' },
    },
  );
  let stderr = '';
  agent.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // Wait until at least four collections have been stored, or fail with what the agent said.
  for (;;) {
    const r = await queryRange('node_load1', t0 - 5000, Date.now(), 1);
    const n = r.data.result[0]?.values.length ?? 0;
    if (n >= 4) break;
    if (Date.now() - t0 > 30_000) throw new Error(`agent did not deliver 4 samples in 30 s; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  agent.kill('SIGTERM');
  stopCode = await new Promise<number | null>((r) => agent.once('exit', (code) => r(code)));
}, 60_000);

afterAll(async () => {
  await srv?.dispose();
});

describe('agent → server → store → query', () => {
  it('stops cleanly on SIGTERM (exit code 0)', () => {
    expect(stopCode).toBe(0);
  });

  // (Exit code 1 when the server cannot be reached comes only after the 30-s delivery timeout: not run here.)
  it('with --once sends one collection and exits 0', async () => {
    const run = (server: string) =>
      new Promise<number | null>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', agentEntry, '--server', server, '--key', TEST_AGENT_KEY, '--once'], {
          stdio: 'ignore',
          env: { ...process.env, VIGIL_AGENT_SPOOL: `${srv.dataDir}/agent-spool-once`, VIGIL_LOG_LEVEL: 'error' },
        });
        p.once('exit', (code) => resolve(code));
      });
    const before = Date.now();
    expect(await run(srv.url)).toBe(0);
    // The end a few seconds ahead: the sample is younger than a second, and steps fall every second.
    const r = await queryRange('node_load1{env=""}', before - 5000, Date.now() + 5000, 1);
    expect(r.data.result).toHaveLength(1);
  }, 60_000);

  it('returns the agent samples through the Prometheus-format query API', async () => {
    const end = Date.now();
    const r = await queryRange('node_load1{env="e2e"}', end - 60_000, end, 1);
    expect(r.status).toBe('success');
    expect(r.data.resultType).toBe('matrix');
    expect(r.data.result).toHaveLength(1);
    const series = r.data.result[0]!;
    expect(series.metric.__name__).toBe('node_load1');
    expect(series.metric.host).toBeTruthy();
    expect(series.metric.host_id).toBeTruthy();
    expect(series.values.length).toBeGreaterThanOrEqual(4);
    for (const [, v] of series.values) expect(Number(v)).toBeGreaterThanOrEqual(0);
  });

  it('stores CPU, memory, disk and network metrics of this machine', async () => {
    const u = new URL('/api/v1/label/__name__/values', srv.url);
    const res = await fetch(u, { headers: { authorization: srv.adminAuth } });
    const names = ((await res.json()) as { data: string[] }).data;
    for (const n of [
      'node_cpu_seconds_total',
      'node_memory_MemAvailable_bytes',
      'node_filesystem_avail_bytes',
      'node_network_receive_bytes_total',
    ]) {
      expect(names).toContain(n);
    }
    const end = Date.now();
    const mem = await queryRange('node_memory_MemAvailable_bytes', end - 60_000, end, 1);
    expect(Number(mem.data.result[0]?.values.at(-1)?.[1])).toBeGreaterThan(1e6);
  });
});
