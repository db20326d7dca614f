import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { expectedValue, SERIES, STEP_MS } from './crash-child.js';
import { openStorage } from './storage.js';

const KILLS = 20;
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  ready: boolean;
  acks: [series: number, first: number, count: number][];
  stderr: string;
}

/** Starts the child, lets it ingest for a random moment after it is ready, then SIGKILLs it. */
function runOnce(aliveMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { ready: false, acks: [], stderr: '' };
    let buf = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      buf += d;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        if (line === 'ready') {
          run.ready = true;
          setTimeout(() => p.kill('SIGKILL'), aliveMs);
        } else if (line.startsWith('ack ')) {
          const [, s, first, n] = line.split(' ');
          run.acks.push([Number(s), Number(first), Number(n)]);
        }
      }
    });
    p.stderr.on('data', (d: Buffer) => {
      run.stderr += d.toString();
    });
    const guard = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', () => {
      clearTimeout(guard);
      resolve(run);
    });
  });
}

it(`keeps every acknowledged sample across ${KILLS} SIGKILLs during ingest and reopens cleanly`, async () => {
  const acked = new Map<number, Set<number>>();
  let total = 0;
  for (let k = 0; k < KILLS; k++) {
    const run = await runOnce(20 + Math.floor(Math.random() * 300));
    expect(run.stderr, `run ${k} stderr`).not.toMatch(/crash-child failed/);
    expect(run.ready, `run ${k} did not open the store: ${run.stderr}`).toBe(true);
    for (const [s, first, n] of run.acks) {
      let set = acked.get(s);
      if (set === undefined) {
        set = new Set();
        acked.set(s, set);
      }
      for (let i = 0; i < n; i++) set.add(first + i * STEP_MS);
      total += n;
    }
  }
  expect(total).toBeGreaterThan(1000);
  const store = await openStorage({ dir });
  try {
    const data = await store.select('crash', [{ name: '__name__', op: '=', value: 'crash_test' }], 0, Number.MAX_SAFE_INTEGER);
    expect(data).toHaveLength(SERIES);
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const d of data) {
      const s = Number(d.labels.s);
      const stored = new Map<number, number>();
      for (let i = 0; i < d.timestamps.length; i++) stored.set(d.timestamps[i]!, d.values[i]!);
      for (let i = 1; i < d.timestamps.length; i++)
        if (d.timestamps[i]! <= d.timestamps[i - 1]!) wrong.push(`series ${s} not ascending at ${i}`);
      for (const t of acked.get(s) ?? []) {
        const v = stored.get(t);
        if (v === undefined) missing.push(`${s}@${t}`);
        else if (!Object.is(v, expectedValue(s, t))) wrong.push(`${s}@${t}: ${v}`);
      }
    }
    expect(missing.slice(0, 10)).toEqual([]);
    expect(wrong.slice(0, 10)).toEqual([]);
    const stats = await store.stats();
    expect(stats.chunks).toBeGreaterThan(0);
  } finally {
    await store.close();
  }
  // Each kill needs a fresh `node --import tsx` process, about 1.5 s of CPU to start; on a loaded machine much more.
}, 600_000);
