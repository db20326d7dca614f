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
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function noise(rand: () => number, sd: number): number {
  // sum of uniforms: close enough to Gaussian for test data
  return (rand() + rand() + rand() + rand() - 2) * sd * Math.sqrt(3);
}

/** Finds the first step after the history at which `f(k)` reaches `limit`, scanning up to `maxSteps`. */
function firstCrossing(f: (k: number) => number, limit: number, maxSteps: number, step: number): number | null {
  for (let k = 1; k <= maxSteps; k++) if (f(k) >= limit) return k * step;
  return null;
}

/** The five capacity scenarios of issue 7: steady fill, fill with a daily cycle, sawtooth, burst then flat, shrinking. */
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
  return out;
}
