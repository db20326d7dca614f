import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = 'vgl_ak_lifecycle-test-key-0123456789';
const PASSWORD = 'lifecycle-password';
const dir = mkdtempSync(join(tmpdir(), 'vigil-life-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `vigil server` as a real process and resolves with its URL once it prints it. */
function startServerProcess(): Promise<{ child: ChildProcess; url: string; stdout: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'server', '--port', '0', '--data', dir, '--no-local-agent'], {
    env: { ...process.env, VIGIL_AGENT_KEY: KEY, VIGIL_ADMIN_PASSWORD: PASSWORD, VIGIL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 30_000);
    const check = () => {
      const m = /Vigil is running at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, stdout: () => out });
      } else setTimeout(check, 100);
    };
    check();
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

describe('vigil server process', () => {
  it('prints first-start secrets once, flushes acknowledged samples on SIGTERM, and serves them after a restart', async () => {
    const first = await startServerProcess();
    expect(first.stdout()).toContain('First start');
    expect(first.stdout()).toContain(`agent key:        ${KEY}`);
    const now = Date.now();
    const samples = Array.from({ length: 500 }, (_, i) => [now - (500 - i) * 1000, i]);
    const res = await fetch(`${first.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ series: [{ labels: { __name__: 'lifecycle_gauge', host: 'a' }, samples }] }),
    });
    expect(await res.json()).toEqual({ accepted: 500, rejected: [] });
    const exited = new Promise<number | null>((r) => first.child.once('exit', r));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const second = await startServerProcess();
    try {
      expect(second.stdout()).not.toContain('First start');
      const u = new URL('/api/v1/query_range', second.url);
      u.search = new URLSearchParams({
        query: 'lifecycle_gauge',
        start: String((now - 600_000) / 1000),
        end: String((now - 1000) / 1000),
        step: '1',
      }).toString();
      const q = (await (
        await fetch(u, { headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` } })
      ).json()) as {
        data: { result: { values: [number, string][] }[] };
      };
      const values = q.data.result[0]?.values ?? [];
      expect(values).toHaveLength(500);
      expect(values.at(-1)?.[1]).toBe('499');
    } finally {
      const done = new Promise((r) => second.child.once('exit', r));
      second.child.kill('SIGINT');
      await done;
    }
  });
});
