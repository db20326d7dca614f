import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticHost } from '../../src/detect/host-synthetic.js';
import { columnLabels, inferKind, SeriesModel } from '../../src/detect/index.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const DAY = 1440;
const FROM = 7 * DAY + 600;
const host = syntheticHost({
  start: Date.UTC(2026, 0, 5),
  stepMs: 60_000,
  rows: 8 * DAY,
  seed: 11,
  decouple: { from: FROM, to: FROM + 60, factor: 0.3, rampRows: 20 },
});

function vigil(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VIGIL_LOG_LEVEL: 'silent' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-detect-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes rows [from, to) of the synthetic host as CSV: Unix-ms timestamps and one quoted series name per column. */
function writeCsv(name: string, from: number, to: number): string {
  const header = ['timestamp', ...host.names.map((n) => `"${n.replaceAll('"', '""')}"`)].join(',');
  const lines = [header];
  for (let i = from; i < to; i++) lines.push([host.t[i], ...host.values.map((c) => c[i])].join(','));
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The same host as plain gauges (counters as per-second rates), no header and no timestamps, as exported matrices are. */
function writeMatrix(name: string, from: number, to: number): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++)
    lines.push(
      host.names
        .map((n, k) => {
          const col = host.values[k] as number[];
          return inferKind(columnLabels(n)) === 'counter' ? ((col[i] as number) - (col[i - 1] as number)) / 60 : col[i];
        })
        .join(','),
    );
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The per-series scores `vigil detect` gives each column over the input rows (after the same history), at most. */
function perSeriesMax(from: number, to: number): number {
  let max = 0;
  host.names.forEach((n, k) => {
    const m = new SeriesModel({ kind: inferKind(columnLabels(n)) });
    for (let i = 0; i < to; i++) {
      const s = m.update(host.t[i] as number, host.values[k]?.[i] as number).score;
      if (i >= from) max = Math.max(max, s);
    }
  });
  return max;
}

function scores(stdout: string): { ts: string[]; s: number[] } {
  const [head, ...rows] = stdout.trim().split('\n');
  expect(head).toBe('timestamp,anomaly_score');
  return { ts: rows.map((r) => r.split(',')[0] as string), s: rows.map((r) => Number(r.split(',')[1])) };
}

describe('vigil detect --host', () => {
  it('catches CPU carrying on while the network drops (each in its own range) that the per-series scores miss', {
    timeout: 180_000,
  }, () => {
    const history = writeCsv('history.csv', 0, 7 * DAY);
    const input = writeCsv('input.csv', 7 * DAY, 8 * DAY);
    const r = vigil(['detect', '--host', '--input', input, '--history', history]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { ts, s } = scores(r.stdout);
    expect(ts).toEqual(host.t.slice(7 * DAY).map(String));
    const at = FROM - 7 * DAY;
    // The network ramps down over 20 rows, stays down 40, ramps back over 20.
    expect(Math.max(...s.slice(at, at + 80))).toBeGreaterThanOrEqual(0.85);
    expect(Math.max(...s.slice(0, at), ...s.slice(at + 80))).toBeLessThan(0.65);
    expect(s.findIndex((x) => x >= 0.65)).toBeLessThanOrEqual(at + 20);
    expect(perSeriesMax(FROM, FROM + 80)).toBeLessThan(0.65);
  });

  it('reads a headerless matrix without timestamps, rows --step apart', { timeout: 180_000 }, () => {
    const history = writeMatrix('history.txt', 1, 7 * DAY);
    const input = writeMatrix('input.txt', 7 * DAY, 8 * DAY);
    const r = vigil(['detect', '--host', '--no-header', '--step', '60s', '--input', input, '--history', history]);
    expect(r.code).toBe(0);
    const { ts, s } = scores(r.stdout);
    expect(s).toHaveLength(DAY);
    expect(Number(ts[1]) - Number(ts[0])).toBe(60_000);
    const at = FROM - 7 * DAY;
    expect(Math.max(...s.slice(at, at + 80))).toBeGreaterThanOrEqual(0.65);
    expect(Math.max(...s.slice(0, at))).toBeLessThan(0.65);
  });

  it('names a malformed row and exits non-zero', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,node_load1,node_memory_MemAvailable_bytes\n1000,1,2\n2000,1\n');
    const r = vigil(['detect', '--host', '--input', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`vigil: ${bad}: row 2: expected 3 cells, got 2`);
  });
});
