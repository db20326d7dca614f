/**
 * NAB v1.1 scoring, written from `eval/nab/SCORING.md`: per-row weights from the labelled windows,
 * one threshold swept over all files of a set, normalised between the null and the perfect detector.
 */

/** Cost weights of one NAB profile (`tnWeight` is not used by NAB's scorer). */
export interface NabProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** NAB's three standard profiles, as in `profiles.json`. */
export const NAB_PROFILES: Readonly<Record<NabProfileName, NabProfile>> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** Names of NAB's profiles. */
export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

/** One file to score: its anomaly scores by row and its windows as inclusive row ranges. */
export interface NabScoredFile {
  scores: ArrayLike<number>;
  /** Windows as inclusive `[L, R]` row indices, sorted and non-overlapping. */
  windows: ReadonlyArray<readonly [number, number]>;
}

/** The score of one detector on a set of files under one profile. */
export interface NabScore {
  /** Normalised score: 0 = null detector, 100 = perfect. */
  score: number;
  /** Optimised raw score S. */
  raw: number;
  /** Threshold at which S is maximal (1.1 when detecting nothing is best). */
  threshold: number;
  /** Raw scores of the null and perfect detectors on this set. */
  nullRaw: number;
  perfectRaw: number;
  /** Counts at the best threshold. */
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** NAB's scaled sigmoid position function. */
export function nabPosition(x: number): number {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

const MAX_TP = nabPosition(-1);

/** Number of leading rows NAB leaves unscored: min(floor(0.15·n), 750). */
export function probationaryLength(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750);
}

/** Per-row weights of a file: for each row its weight and the index of the window it lies in (-1 outside). */
export function rowWeights(
  n: number,
  windows: NabScoredFile['windows'],
  profile: NabProfile,
): { weight: Float64Array; window: Int32Array } {
  const weight = new Float64Array(n);
  const window = new Int32Array(n).fill(-1);
  let w = 0;
  let prev: readonly [number, number] | undefined;
  for (let i = 0; i < n; i++) {
    const cur = windows[w];
    if (cur !== undefined && i >= cur[0] && i <= cur[1]) {
      const width = cur[1] - cur[0] + 1;
      weight[i] = (profile.tpWeight * nabPosition(-(cur[1] - i + 1) / width)) / MAX_TP;
      window[i] = w;
      if (i === cur[1]) {
        prev = cur;
        w++;
      }
    } else if (prev !== undefined) {
      const width = prev[1] - prev[0] + 1;
      weight[i] = profile.fpWeight * nabPosition((i - prev[1]) / (width - 1));
    } else {
      weight[i] = -profile.fpWeight;
    }
  }
  return { weight, window };
}

/** Scores a set of files under one profile with one shared, optimised threshold. */
export function scoreNab(files: readonly NabScoredFile[], profile: NabProfile): NabScore {
  interface Row {
    s: number;
    w: number;
    win: number;
  }
  const rows: Row[] = [];
  const bestW: number[] = [];
  let windowCount = 0;
  for (const f of files) {
    const n = f.scores.length;
    const { weight, window } = rowWeights(n, f.windows, profile);
    const p = probationaryLength(n);
    // A window with no scorable row is ignored, as in NAB; it gets no slot.
    const slot = f.windows.map((w) => (w[1] >= p ? windowCount++ : -1));
    for (const s of slot) if (s >= 0) bestW.push(-profile.fnWeight);
    for (let i = p; i < n; i++) {
      const win = window[i] as number;
      rows.push({ s: f.scores[i] as number, w: weight[i] as number, win: win >= 0 ? (slot[win] as number) : -1 });
    }
  }
  rows.sort((a, b) => b.s - a.s);
  const nullRaw = -profile.fnWeight * windowCount;
  const perfectRaw = profile.tpWeight * windowCount;
  let fpSum = 0;
  let windowSum = nullRaw;
  let best = nullRaw;
  let bestTheta = 1.1;
  let fp = 0;
  let tp = 0;
  let bestFp = 0;
  let bestTp = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Row;
    if (r.win >= 0) {
      const old = bestW[r.win] as number;
      if (r.w > old) {
        if (old === -profile.fnWeight) tp++;
        windowSum += r.w - old;
        bestW[r.win] = r.w;
      }
    } else {
      fpSum += r.w;
      fp++;
    }
    const next = rows[i + 1];
    if (next !== undefined && next.s === r.s) continue;
    const s = fpSum + windowSum;
    if (s > best) {
      best = s;
      bestTheta = r.s;
      bestFp = fp;
      bestTp = tp;
    }
  }
  return {
    score: (100 * (best - nullRaw)) / (perfectRaw - nullRaw),
    raw: best,
    threshold: bestTheta,
    nullRaw,
    perfectRaw,
    truePositives: bestTp,
    falsePositives: bestFp,
    falseNegatives: windowCount - bestTp,
  };
}
