import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linearTrend, seasonalNaive } from './baselines.js';
import { medianStep, parseSeriesCsv } from './csv.js';
import { evaluateForecasts } from './eval.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-fc-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCsv(name: string, f: (i: number) => number, n: number, stepMs: number): void {
  const t0 = Date.UTC(2014, 3, 1);
  const rows = ['timestamp,value'];
  for (let i = 0; i < n; i++) {
    const d = new Date(t0 + i * stepMs).toISOString().replace('T', ' ').slice(0, 19);
    rows.push(`${d},${f(i)}`);
  }
  mkdirSync(join(dir, 'cat'), { recursive: true });
  writeFileSync(join(dir, 'cat', name), `${rows.join('\n')}\n`);
}

describe('rolling-origin evaluation', () => {
  it('scores a perfect seasonal naive at 0 and a linear fit on a line at 0, with 8 origins per file', () => {
    // hourly daily sine and hourly straight line, 20 days each
    writeCsv('sine.csv', (i) => Math.sin((2 * Math.PI * i) / 24), 480, 3_600_000);
    writeCsv('line.csv', (i) => 5 + 0.5 * i, 480, 3_600_000);
    const progress: number[] = [];
    const r = evaluateForecasts({ dataDir: dir, methods: { sn: seasonalNaive, lin: linearTrend }, onProgress: (d) => progress.push(d) });
    expect(progress).toHaveLength(16);
    const sine = r.files.find((f) => f.file.endsWith('sine.csv'));
    const line = r.files.find((f) => f.file.endsWith('line.csv'));
    expect(sine?.steps).toEqual({ '1h': 1, '6h': 6, '24h': 24 });
    expect(sine?.scores.sn?.['24h'].mase).toBeCloseTo(0, 6);
    expect(line?.scores.lin?.['24h'].mase).toBeCloseTo(0, 6);
    // seasonal naive on a line lags by a day: error 0.5 × 24 per step against a naive scale of 0.5
    expect(line?.scores.sn?.['1h'].mase).toBeCloseTo(24, 6);
    expect(r.mean.sn?.['1h'].coverage80).toBeNull();
  });
});

describe('CSV parsing', () => {
  it('reads NAB timestamps and Unix ms, with or without a header', () => {
    const a = parseSeriesCsv('timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,2.5\n');
    expect(a.timestamps).toEqual([Date.UTC(2014, 3, 1), Date.UTC(2014, 3, 1, 0, 5)]);
    expect(a.values).toEqual([1, 2.5]);
    const b = parseSeriesCsv('1000,1\n61000,\n121000,3');
    expect(b.values[1]).toBeNaN();
    expect(medianStep(b.timestamps)).toBe(60_000);
    expect(() => parseSeriesCsv('a,b\nnot-a-time,1', 'f.csv')).toThrow('f.csv line 2: cannot read timestamp "not-a-time"');
    expect(parseSeriesCsv('1000,abc').values[0]).toBeNaN();
  });
});
