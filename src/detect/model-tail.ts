/**
 * Calibration of detectors whose null distribution is unknown, learnt on the series itself: a peaks-over-threshold
 * model (online upper quantile + exponential tail with a clipped mean excess), bounded below by a decayed histogram
 * of large surprises so that a surprise size which recurs stops being rare.
 */

/** Calibrated detectors (slots of the tail arrays): spikes above and below the expected value are calibrated apart. */
export const TAIL_SPIKE_UP = 0;
export const TAIL_CUSUM = 1;
export const TAIL_DRIFT = 2;
export const TAIL_SPIKE_DOWN = 3;
/** Number of calibrated slots. */
export const TAIL_SLOTS = 4;
/** Quarter-octave histogram bins per slot, from a surprise of 2 upwards (the last bin holds everything from 512). */
export const HIST_BINS = 32;
/** Half-octave bins per slot in states saved before the bins were refined (migrated by `migrateTails`). */
const OLD_HIST_BINS = 16;
/**
 * Slots whose histogram bound is read at half-octave resolution: an upward spike up to √2 smaller than one seen
 * before is not news (most series are skewed upwards, and their bursts recur at similar, not equal, sizes); the
 * other surprises count as seen only from a quarter octave below.
 */
const HALF_OCTAVE_SLOTS = 1 << TAIL_SPIKE_UP;
/** Per-sample decay of the surprise histograms (a horizon of about 10,000 samples). */
export const HIST_DECAY = 1 - 1 / 10_000;

/** The calibration part of a model's state (plain data). */
export interface TailState {
  /** Per slot: online upper quantile and mean excess above it. */
  tailU: number[];
  tailBeta: number[];
  /** Decayed histograms (quarter-octave bins from 2) of large surprises per slot, their total weight, and the current sample weight. */
  hist: number[];
  histTotal: number;
  histW: number;
}

/** Initial calibration: a standard-normal-like tail until the series has shown its own. */
export function newTails(): TailState {
  return {
    tailU: new Array<number>(TAIL_SLOTS).fill(2),
    tailBeta: new Array<number>(TAIL_SLOTS).fill(1),
    hist: new Array<number>(TAIL_SLOTS * HIST_BINS).fill(0),
    histTotal: 0,
    histW: 1,
  };
}

/** Quarter-octave bin of a surprise x ≥ 2: floor(4·log2(x/2)) = floor(log2((x²/4)²)), via clz32 instead of a logarithm. */
function histBin(x: number): number {
  const r = x >= 512 ? 65535 : (x * x) / 4;
  return Math.min(HIST_BINS - 1, 31 - Math.clz32(r * r));
}

/** P(X ≥ x) for slot k: empirical below the upper quantile q, exponential tail above it, bounded below by the histogram. */
export function tailP(s: TailState, k: number, x: number, q: number): number {
  const u = s.tailU[k] as number;
  if (x <= u) return u > 0 ? 1 - q * (x / u) : 1;
  const pot = (1 - q) * Math.exp(-(x - u) / (s.tailBeta[k] as number));
  if (pot > 0.01 || x < 2) return pot;
  // Large surprises of this size seen before are not rare: the decayed histogram bounds the tail from below.
  const h = s.hist;
  let tail = 0;
  const b = histBin(x);
  const from = (HALF_OCTAVE_SLOTS >> k) & 1 ? b & ~1 : b;
  for (let i = k * HIST_BINS + from; i < (k + 1) * HIST_BINS; i++) tail += h[i] as number;
  return s.histTotal > 0 ? Math.max(tail / s.histTotal, pot) : pot;
}

/** Counts one more sample in the histograms (call once per learnt sample, before `tailLearn`). */
export function tailTick(s: TailState): void {
  s.histTotal += s.histW;
  s.histW /= HIST_DECAY;
  if (s.histW > 1e150) {
    for (let i = 0; i < s.hist.length; i++) s.hist[i] = (s.hist[i] as number) / s.histW;
    s.histTotal /= s.histW;
    s.histW = 1;
  }
}

/** Learns one value of slot k: stochastic-approximation quantile q, clipped mean excess, histogram of large values. */
export function tailLearn(s: TailState, k: number, x: number, q: number): void {
  if (x >= 2) {
    const i = k * HIST_BINS + histBin(x);
    s.hist[i] = (s.hist[i] as number) + s.histW;
  }
  const u = s.tailU[k] as number;
  const beta = s.tailBeta[k] as number;
  const step = 0.05 * (beta + 0.05);
  if (x > u) {
    const ex = Math.min(x - u, 5 * beta);
    s.tailBeta[k] = Math.max(0.05, beta + 0.02 * (ex - beta));
    s.tailU[k] = u + step * q;
  } else {
    s.tailU[k] = Math.max(0, u - step * (1 - q));
  }
}

/**
 * Brings an older saved state up to date: half-octave histograms are split evenly into quarter-octave ones, and a
 * state saved before the spike slot was split into up and down gets a down slot that starts as a copy of the up slot.
 */
export function migrateTails(s: TailState): void {
  const slots = s.tailU.length;
  if (s.hist.length === slots * OLD_HIST_BINS) {
    const fine = new Array<number>(slots * HIST_BINS).fill(0);
    for (let i = 0; i < s.hist.length; i++) {
      const j = Math.floor(i / OLD_HIST_BINS) * HIST_BINS + 2 * (i % OLD_HIST_BINS);
      const half = (s.hist[i] as number) / 2;
      fine[j] = half;
      fine[j + 1] = half;
    }
    s.hist = fine;
  }
  if (slots >= TAIL_SLOTS) return;
  s.tailU.push(s.tailU[TAIL_SPIKE_UP] as number);
  s.tailBeta.push(s.tailBeta[TAIL_SPIKE_UP] as number);
  s.hist.push(...s.hist.slice(TAIL_SPIKE_UP * HIST_BINS, (TAIL_SPIKE_UP + 1) * HIST_BINS));
}
