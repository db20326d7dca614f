import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatSeries, formatValue, parseRange } from './format.js';
import { chooseStep, parsePromValue, toSeries } from './prom.js';

describe('formatting', () => {
  it('formats bytes, durations and values', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB');
    expect(formatDuration(90_000)).toBe('2 min');
    expect(formatDuration(36 * 3_600_000)).toBe('1.5 d');
    expect(formatValue(42.34, 'percent')).toBe('42%');
    expect(formatValue(null, 'bytes')).toBe('–');
    expect(formatSeries({ __name__: 'node_load1', host: 'a', env: 'p' })).toBe('node_load1{env="p", host="a"}');
    expect(parseRange('15m')).toBe(900_000);
    expect(parseRange('90d')).toBe(90 * 86_400_000);
    expect(parseRange('x')).toBeNull();
  });
});

describe('prometheus results', () => {
  it('converts matrices and vectors to columns in ms', () => {
    const m = toSeries({
      resultType: 'matrix',
      result: [
        {
          metric: { host: 'a' },
          values: [
            [1.5, '1'],
            [2, 'NaN'],
          ],
        },
      ],
    });
    expect(m[0]!.t).toEqual([1500, 2000]);
    expect(m[0]!.v[0]).toBe(1);
    expect(Number.isNaN(m[0]!.v[1])).toBe(true);
    const v = toSeries({ resultType: 'vector', result: [{ metric: {}, value: [3, '+Inf'] }] });
    expect(v[0]!.v[0]).toBe(Number.POSITIVE_INFINITY);
    expect(parsePromValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
  });
  it('chooses round steps that keep the point count bounded', () => {
    expect(chooseStep(15 * 60_000)).toBe(10_000);
    expect(chooseStep(86_400_000)).toBe(180_000);
    expect(chooseStep(90 * 86_400_000)).toBe(21_600_000);
    expect(chooseStep(86_400_000, 1000)).toBe(120_000);
  });
});
