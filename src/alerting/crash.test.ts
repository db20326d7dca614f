import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpReceiver } from './testing/http-receiver.js';

const CHILD = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
const COUNT = 20;

function run(args: string[]): { child: ChildProcess; stdout: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const stdout = new Promise<string>((resolve) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out);
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout, exited };
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('crash safety of the outbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a server killed with SIGKILL while notifications are pending delivers them all after restart, each id once', async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    const seen: Array<{ id: string; attempt: number; phase: number }> = [];
    let phase = 1;
    rx.onRequest = (r) =>
      seen.push({ id: String(r.headers['x-vigil-notification-id']), attempt: Number(r.headers['x-vigil-attempt']), phase });
    // Phase 1: the receiver accepts 5 notifications, then holds every further request open (never answers).
    rx.hangAfter = 5;
    try {
      const t0 = Date.now();
      const first = run([dir, url, 'enqueue', String(COUNT)]);
      // Anomalies that start in the same millisecond may share an incident, so N notifications ≤ COUNT anomalies.
      const enqueued = /"pending":(\d+)/.exec(await first.stdout);
      const n = Number(enqueued?.[1]);
      expect(n).toBeGreaterThanOrEqual(8);
      expect(n).toBeLessThanOrEqual(COUNT);
      await until(() => rx.accepted().length >= 5 && rx.held.length >= 1, 15_000, 'the first deliveries');
      await new Promise((r) => setTimeout(r, 200)); // attempts in flight against the hung receiver
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      const heldIds = new Set(rx.held.map((r) => String(r.headers['x-vigil-notification-id'])));
      const t1 = Date.now();

      phase = 2;
      rx.hangAfter = Number.POSITIVE_INFINITY;
      const second = run([dir, url, 'deliver', '0']);
      await until(() => new Set(seen.map((s) => s.id)).size >= n, 20_000, 'every notification after restart');
      await new Promise((r) => setTimeout(r, 300)); // nothing more should arrive
      second.child.kill('SIGTERM');
      await second.exited;
      const t2 = Date.now();

      expect(seen.filter((s) => s.phase === 1)).toHaveLength(5);
      const ids = new Set(seen.map((s) => s.id));
      expect(ids.size).toBe(n); // none lost, and the restart created no new notification
      const attemptIds = [
        ...seen,
        ...rx.held.map((r) => ({ id: String(r.headers['x-vigil-notification-id']), attempt: Number(r.headers['x-vigil-attempt']) })),
      ].map((s) => `${s.id}:${s.attempt}`);
      expect(new Set(attemptIds).size).toBe(attemptIds.length); // an attempt id is never sent twice
      const perId = new Map<string, number>();
      for (const s of seen) perId.set(s.id, (perId.get(s.id) ?? 0) + 1);
      // At least once, with an id: a notification is accepted once, or — only when the kill landed between the
      // receiver's answer and the outbox's commit — once more after the restart, under the same id and a later
      // attempt, so the receiver can de-duplicate it.
      for (const [id, n] of perId) {
        expect(n).toBeLessThanOrEqual(2);
        if (n === 2) {
          const [a, b] = seen.filter((s) => s.id === id);
          expect([a?.phase, b?.phase]).toEqual([1, 2]);
          expect(b!.attempt).toBeGreaterThan(a!.attempt);
        }
      }
      // What was in flight to the hung receiver is re-sent after the restart under a new attempt number.
      for (const s of seen.filter((x) => x.phase === 2 && heldIds.has(x.id))) expect(s.attempt).toBeGreaterThanOrEqual(2);
      expect(heldIds.size).toBeGreaterThan(0);
      process.stderr.write(`crash test: phase 1 ${t1 - t0} ms, phase 2 ${t2 - t1} ms\n`);
    } finally {
      await rx.stop();
    }
  });
});
