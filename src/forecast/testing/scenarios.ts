import { mulberry32 } from '../../core/index.js';

/** A synthetic capacity history with the known truth about when it crosses its limit. */
export interface CapacityScenario {
  name: string;
  stepMs: number;
  values: number[];
  limit: number;
  /** True time from the last sample until the limit is first crossed (ms); null when it never is. */
  truthEtaMs: number | null;
  /** Whether a forecast alert ("crosses within 24 h") should fire. */
  shouldAlert: boolean;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so scenarios are reproducible. */
export const seededRandom = mulberry32;

function noise(rand: () => number, sd: number): number {
  // sum of uniforms: close enough to Gaussian for test data
  return (rand() + rand() + rand() + rand() - 2) * sd * Math.sqrt(3);
}

/** Finds the first step after the history at which `f(k)` reaches `limit`, scanning up to `maxSteps`. */
function firstCrossing(f: (k: number) => number, limit: number, maxSteps: number, step: number): number | null {
  for (let k = 1; k <= maxSteps; k++) if (f(k) >= limit) return k * step;
  return null;
}

/**
 * The capacity scenarios: the five of issue 7 (steady fill, fill with a daily cycle, sawtooth, burst then flat,
 * shrinking), then a fill that starts after three days of flat usage — plain and on top of a daily cycle — seen
 * 2 h, 8 h and 24 h into the fill, with the limit 12 h of trend ahead in every case; and a runaway log that keeps
 * filling across the daily rotation meant to contain it.
 */
export function capacityScenarios(seed = 7): CapacityScenario[] {
  const step = 5 * MIN;
  const n = (3 * DAY) / step;
  const rand = seededRandom(seed);
  const GB = 1e9;
  const limit = 100 * GB;
  const out: CapacityScenario[] = [];

  // steady fill: 20 GB growing 1 GB/h with noise; crosses 100 GB 8 h after the 72 h seen
  {
    const f = (i: number) => 20 * GB + (1 * GB * (i * step)) / HOUR;
    const values = Array.from({ length: n }, (_, i) => f(i) + noise(rand, 0.05 * GB));
    out.push({
      name: 'steady fill',
      stepMs: step,
      values,
      limit,
      truthEtaMs: firstCrossing((k) => f(n - 1 + k), limit, 100_000, step),
      shouldAlert: true,
    });
  }
  // fill with a daily cycle: 0.6 GB/h trend with a ±5 GB daily swing; first crossing happens at a daily peak
  {
    const f = (i: number) => 30 * GB + (0.6 * GB * (i * step)) / HOUR + 5 * GB * Math.sin((2 * Math.PI * i * step) / DAY);
    const values = Array.from({ length: n }, (_, i) => f(i) + noise(rand, 0.1 * GB));
    out.push({
      name: 'daily cycle fill',
      stepMs: step,
      values,
      limit,
      truthEtaMs: firstCrossing((k) => f(n - 1 + k), limit, 100_000, step),
      shouldAlert: false,
    });
  }
  // sawtooth: logs grow 2 GB/h from 50 GB and are rotated back every 6 h; never crosses
  {
    const f = (i: number) => 50 * GB + (2 * GB * ((i * step) % (6 * HOUR))) / HOUR;
    const values = Array.from({ length: n }, (_, i) => f(i) + noise(rand, 0.05 * GB));
    out.push({ name: 'sawtooth with rotation', stepMs: step, values, limit, truthEtaMs: null, shouldAlert: false });
  }
  // burst then flat: 60 GB, a 30-minute burst of +20 GB ten hours ago, flat since
  {
    const burstAt = n - (10 * HOUR) / step;
    const burstLen = (30 * MIN) / step;
    const f = (i: number) => 60 * GB + 20 * GB * Math.min(1, Math.max(0, (i - burstAt) / burstLen));
    const values = Array.from({ length: n }, (_, i) => f(i) + noise(rand, 0.05 * GB));
    out.push({ name: 'burst then flat', stepMs: step, values, limit, truthEtaMs: null, shouldAlert: false });
  }
  // shrinking: 80 GB draining 0.3 GB/h
  {
    const f = (i: number) => 80 * GB - (0.3 * GB * (i * step)) / HOUR;
    const values = Array.from({ length: n }, (_, i) => f(i) + noise(rand, 0.05 * GB));
    out.push({ name: 'shrinking', stepMs: step, values, limit, truthEtaMs: null, shouldAlert: false });
  }
  for (const seenH of [2, 8, 24]) out.push(...fillAfterFlat(rand, step, limit, seenH));
  out.push(runawayAcrossRotation(rand, step, limit));
  return out;
}

/**
 * Logs rotated daily at 03:00, then a runaway log (4 GB/h, which rotation does not free) that started an hour
 * before the last rotation and has been seen for 2.5 h, due to fill the disk in about 12 h.
 */
function runawayAcrossRotation(rand: () => number, step: number, limit: number): CapacityScenario {
  const GB = 1e9;
  const lastRotation = 2 * DAY + 3 * HOUR;
  const runawayStart = lastRotation - HOUR;
  const seen = lastRotation + 1.5 * HOUR;
  const base = limit - 12 * 4.2 * GB - dailyLogs(seen) - 4 * GB * 2.5;
  const f = (t: number) => base + dailyLogs(t) + (4 * GB * Math.max(0, t - runawayStart)) / HOUR;
  const n = Math.round(seen / step) + 1;
  return {
    name: 'daily rotation, then a runaway log across a rotation',
    stepMs: step,
    values: Array.from({ length: n }, (_, i) => f(i * step) + noise(rand, 0.02 * GB)),
    limit,
    truthEtaMs: firstCrossing((k) => f((n - 1 + k) * step), limit, 100_000, step),
    shouldAlert: true,
  };
}

/** Logs growing 0.2 GB/h that logrotate compresses every day at 03:00 (t in ms from the start of the history). */
export function dailyLogs(t: number): number {
  return (0.2e9 * ((((t - 3 * HOUR) % DAY) + DAY) % DAY)) / HOUR;
}

/**
 * Three days of flat usage (plain, and with a ±5 GB daily cycle at a random phase), then a 2 GB/h fill seen for
 * `seenH` hours; the fill started where its trend reaches the limit 12 h after the last sample, so a forecast
 * rule "crosses within 24 h" is due.
 */
function fillAfterFlat(rand: () => number, step: number, limit: number, seenH: number): CapacityScenario[] {
  const GB = 1e9;
  const rate = (2 * GB * step) / HOUR;
  const flatN = (3 * DAY) / step;
  const n = flatN + (seenH * HOUR) / step;
  const start = limit - rate * (n - 1 - flatN + (12 * HOUR) / step);
  const out: CapacityScenario[] = [];
  const phase = rand() * 2 * Math.PI;
  for (const [name, swing] of [
    ['flat then steady fill', 0],
    ['flat then fill with daily cycle', 5 * GB],
  ] as const) {
    const f = (i: number) => start + rate * Math.max(0, i - flatN) + swing * Math.sin((2 * Math.PI * i * step) / DAY + phase);
    const values = Array.from({ length: n }, (_, i) => f(i) + noise(rand, (swing ? 0.1 : 0.05) * GB));
    out.push({
      name: `${name} (${seenH} h seen)`,
      stepMs: step,
      values,
      limit,
      truthEtaMs: firstCrossing((k) => f(n - 1 + k), limit, 100_000, step),
      shouldAlert: true,
    });
  }
  return out;
}
