import { describe, expect, it } from 'vitest';
import { crossingConfidence } from './alerting.js';
import { estimateExhaustion } from './exhaustion.js';
import { capacityScenarios, dailyLogs, seededRandom } from './testing/scenarios.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('capacity scenario suite', () => {
  for (const seed of [7, 11, 23]) {
    for (const s of capacityScenarios(seed)) {
      it(`${s.name} (seed ${seed}): ETA within 15% of the truth or no ETA, alert only when due`, () => {
        const e = estimateExhaustion(s);
        if (s.truthEtaMs === null) {
          expect(e.status).not.toBe('filling');
          expect(e.etaMs).toBeNull();
        } else {
          expect(e.status).toBe('filling');
          expect(e.etaMs).not.toBeNull();
          expect(Math.abs((e.etaMs as number) - s.truthEtaMs) / s.truthEtaMs).toBeLessThanOrEqual(0.15);
          expect(e.etaLowMs as number).toBeLessThanOrEqual(e.etaMs as number);
          if (e.etaHighMs !== null) expect(e.etaHighMs).toBeGreaterThanOrEqual(e.etaMs as number);
        }
        const fires = crossingConfidence(e, DAY) >= 0.8;
        expect(fires).toBe(s.shouldAlert);
      });
    }
  }

  it('reports shrinking usage as shrinking and flat usage as flat', () => {
    const byName = new Map(capacityScenarios().map((s) => [s.name, estimateExhaustion(s)]));
    expect(byName.get('shrinking')?.status).toBe('shrinking');
    expect(byName.get('burst then flat')?.status).toBe('flat');
    expect(byName.get('sawtooth with rotation')?.basis).toBe('sawtooth_peaks');
  });

  it('measures a fill that follows days of flat usage on the fill alone, naming when it started', () => {
    const byName = new Map(capacityScenarios().map((s) => [s.name, estimateExhaustion(s)]));
    const plain = byName.get('flat then steady fill (2 h seen)');
    expect(plain?.basis).toBe('since_change');
    expect(plain?.reason).toMatch(/trend changed (1h 5\dm|2h) ago/);
    expect(byName.get('flat then fill with daily cycle (2 h seen)')?.basis).toBe('since_change');
    expect(byName.get('daily rotation, then a runaway log across a rotation')?.basis).toBe('sawtooth_broken');
  });
});

describe('estimateExhaustion edge cases', () => {
  const step = 5 * 60_000;

  it('finds an ETA for a sawtooth whose peaks keep rising', () => {
    // 6-hourly rotation that leaves 1 GB more behind each time: peaks rise 1 GB per 6 h
    const n = (3 * DAY) / step;
    const values = Array.from({ length: n }, (_, i) => {
      const t = i * step;
      const cycle = Math.floor(t / (6 * HOUR));
      return 50 + cycle + (2 * (t % (6 * HOUR))) / HOUR;
    });
    const e = estimateExhaustion({ values, stepMs: step, limit: 100 });
    expect(e.basis).toBe('sawtooth_peaks');
    expect(e.status).toBe('filling');
    // peaks at 50+c+12 (c = cycle); the last peak is 73 and the next ones rise 1 per 6 h: 27 more → about 162 h
    expect((e.etaMs as number) / HOUR).toBeGreaterThan(140);
    expect((e.etaMs as number) / HOUR).toBeLessThan(185);
  });

  it('ignores a burst that has just happened and reports flat usage', () => {
    const n = (2 * DAY) / step;
    const values = Array.from({ length: n }, (_, i) => (i > n - 8 ? 70 : 50) + Math.sin(i) * 0.01);
    const e = estimateExhaustion({ values, stepMs: step, limit: 100 });
    expect(e.etaMs).toBeNull();
    expect(e.status).toBe('flat');
  });

  it('raises no alert when daily rotation gives way to rotation every 30 minutes (a faster sawtooth)', () => {
    const rand = seededRandom(5);
    const n = (3 * DAY) / step;
    const fastFrom = (n - 1) * step - 4 * HOUR;
    const values = Array.from({ length: n }, (_, i) => {
      const t = i * step;
      const fast = t < fastFrom ? 0 : (4e9 * ((t - fastFrom) % (30 * 60_000))) / HOUR;
      return 40e9 + dailyLogs(t) + fast + (rand() - 0.5) * 0.04e9;
    });
    const e = estimateExhaustion({ values, stepMs: step, limit: 100e9 });
    expect(e.basis).toBe('sawtooth_peaks');
    // four hours of a new sawtooth cannot show its long run: an ETA, if any, lies beyond a week
    if (e.etaMs !== null) expect(e.etaMs).toBeGreaterThan(7 * DAY);
    expect(crossingConfidence(e, DAY)).toBeLessThan(0.8);
  });

  it('needs the new regime to have lasted an hour (and 12 samples) before trusting it', () => {
    const flat = (3 * DAY) / step;
    const at = (fillSteps: number) =>
      estimateExhaustion({
        values: Array.from({ length: flat + fillSteps }, (_, i) => 40 + Math.max(0, i - flat) * 0.5 + Math.sin(i * 1.3) * 0.05),
        stepMs: step,
        limit: 100,
      });
    expect(at(6).status).toBe('flat');
    const after = at(14);
    expect(after.basis).toBe('since_change');
    // 47 now, 0.5 a step: 106 steps to 100
    expect(Math.abs((after.etaMs as number) / step - 106)).toBeLessThanOrEqual(3);
  });

  it('does not take a climb the history has shown before for a new regime', () => {
    // a workload climbs 4 units in 2 h and falls back every 16 h; the climb under way now is nothing new
    const n = (3 * DAY) / step;
    const climbStart = (n - 1) * step - 2 * HOUR;
    const values = Array.from({ length: n }, (_, i) => {
      const c = (((i * step - climbStart) % (16 * HOUR)) + 16 * HOUR) % (16 * HOUR);
      const climb = c < 2 * HOUR ? (2 * c) / HOUR : c < 3 * HOUR ? 4 - (4 * (c - 2 * HOUR)) / HOUR : 0;
      return 50 + climb + Math.sin(i * 1.7) * 0.05;
    });
    const e = estimateExhaustion({ values, stepMs: step, limit: 60 });
    expect(e.basis).toBe('window');
    expect(crossingConfidence(e, DAY)).toBeLessThan(0.8);
  });

  it('reports a series at its limit as full with ETA 0', () => {
    const e = estimateExhaustion({ values: [90, 95, 99, 100, 100, 100, 100], stepMs: step, limit: 100 });
    expect(e.status).toBe('full');
    expect(e.etaMs).toBe(0);
    expect(crossingConfidence(e, HOUR)).toBe(1);
  });

  it('says unknown, never a number, for a history too short or a bad limit', () => {
    expect(estimateExhaustion({ values: [1, 2], stepMs: step, limit: 100 }).status).toBe('unknown');
    expect(estimateExhaustion({ values: [1, 2, 3, 4, 5, 6, 7], stepMs: step, limit: 0 }).etaMs).toBeNull();
  });

  it('reports no ETA when the crossing lies beyond a year', () => {
    const values = Array.from({ length: 2000 }, (_, i) => 10 + i * 1e-6);
    const e = estimateExhaustion({ values, stepMs: step, limit: 100 });
    expect(e.etaMs).toBeNull();
  });

  it('gives an exact ETA for a noise-free linear fill', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 10 + i * 0.01);
    const e = estimateExhaustion({ values, stepMs: step, limit: 100 });
    // last value 19.99, 0.01 per step → 8001 steps
    expect(e.status).toBe('filling');
    expect(Math.abs((e.etaMs as number) / step - 8001)).toBeLessThanOrEqual(1.5);
  });
});

describe('crossingConfidence', () => {
  it('grows with the window and stays 0 without an ETA', () => {
    const e = {
      status: 'filling' as const,
      etaMs: 10 * HOUR,
      etaLowMs: 8 * HOUR,
      etaHighMs: 12 * HOUR,
      slopePerHour: 1,
      level: 1,
      basis: 'window' as const,
      reason: '',
    };
    const cs = [HOUR, 8 * HOUR, 10 * HOUR, 12 * HOUR, 48 * HOUR].map((w) => crossingConfidence(e, w));
    expect(cs[2]).toBeCloseTo(0.5);
    for (let i = 1; i < cs.length; i++) expect(cs[i] as number).toBeGreaterThan(cs[i - 1] as number);
    expect(crossingConfidence({ ...e, status: 'flat', etaMs: null, etaLowMs: null, etaHighMs: null }, 48 * HOUR)).toBe(0);
  });
});
