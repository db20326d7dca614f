import { describe, expect, it } from 'vitest';
import { bucketAnomalies, worstSeverity } from './anomaly-rate.js';

const a = (host: string, t: number, severity = 'warning') => ({ t, score: 0.9, severity, labels: { host, __name__: 'node_load1' } });

describe('anomaly rate buckets', () => {
  it('counts per host per bucket and ignores anomalies outside the window or without a host', () => {
    const m = bucketAnomalies(
      [a('x', 0), a('x', 9), a('x', 10), a('y', 99), a('y', 100), a('y', -1), { t: 5, score: 1, severity: 'info', labels: {} }],
      0,
      100,
      10,
    );
    expect(m.get('x')).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(m.get('y')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(m.size).toBe(2);
  });
  it('keeps the worst severity per host since a time', () => {
    const m = worstSeverity([a('x', 1, 'info'), a('x', 2, 'critical'), a('x', 3, 'warning'), a('y', 0, 'critical'), a('y', 5, 'info')], 1);
    expect(m.get('x')).toBe('critical');
    expect(m.get('y')).toBe('info');
  });
});
