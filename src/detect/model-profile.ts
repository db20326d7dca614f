/** One day and one week in milliseconds. */
export const DAY_MS = 24 * 3600_000;
export const WEEK_MS = 7 * DAY_MS;
/** Shift so that weekly bin 0 starts on Monday 00:00 UTC (1970-01-01 was a Thursday). */
const WEEK_PHASE = 3 * DAY_MS;

/** A seasonal profile under a fast deseasonalised level (additive Holt-Winters), piecewise linear between bin centres. */
export interface ProfileState {
  periodMs: number;
  /** Offsets from the level, one per bin; NaN = bin not seen yet. */
  off: number[];
  /** Mean absolute deviation per bin. */
  mad: number[];
  /** Fast deseasonalised level. */
  base: number;
  /** Smoothed absolute prediction error of this model. */
  err: number;
  /** Smoothed negative log-likelihood of this model's predictions (Laplace, with its own scale): how models are chosen. */
  nll: number;
}

/** An empty profile of `bins` bins over a period. */
export function newProfile(periodMs: number, bins: number): ProfileState {
  return { periodMs, off: new Array<number>(bins).fill(Number.NaN), mad: new Array<number>(bins).fill(0), base: 0, err: 0, nll: 0 };
}

/**
 * Scratch results of `profileOffset` per slot (0 = daily, 1 = weekly), four numbers each: nearest bin, left and
 * right bins, fraction between them. Module-level because the hot path is single-threaded and must not allocate.
 */
export const PROFILE_SCRATCH = new Float64Array(8);

/** The profile's offset at time t (NaN when neither neighbouring bin has been seen); leaves the bins used in `PROFILE_SCRATCH[4·slot…]`. */
export function profileOffset(p: ProfileState, t: number, slot: number): number {
  const n = p.off.length;
  const phase = ((t + WEEK_PHASE) % p.periodMs) / (p.periodMs / n);
  const pos = phase - 0.5;
  const fl = Math.floor(pos);
  const frac = pos - fl;
  const b0 = fl < 0 ? n - 1 : fl;
  const b1 = fl + 1 >= n ? 0 : fl + 1;
  const k = slot * 4;
  PROFILE_SCRATCH[k] = Math.floor(phase);
  PROFILE_SCRATCH[k + 1] = b0;
  PROFILE_SCRATCH[k + 2] = b1;
  PROFILE_SCRATCH[k + 3] = frac;
  const o0 = p.off[b0] as number;
  const o1 = p.off[b1] as number;
  return Number.isNaN(o0) ? o1 : Number.isNaN(o1) ? o0 : o0 + frac * (o1 - o0);
}

/**
 * One learning step of a profile (after `profileOffset(p, t, slot)` returned `o` for this sample): the level moves
 * fast (`levelAlpha`), the bins slowly (`seasonalAlpha` per period); clipped so a spike does not drag them.
 */
export function profileLearn(
  p: ProfileState,
  slot: number,
  o: number,
  v: number,
  dt: number,
  levelAlpha: number,
  seasonalAlpha: number,
  clip: number,
  floor: number,
  levelMad: number,
): void {
  const have = !Number.isNaN(o);
  const pred = have ? p.base + o : p.base;
  const baseBefore = p.base;
  const rb = v - (have ? o : 0) - p.base;
  p.base += levelAlpha * (rb > clip ? clip : Math.max(rb, -clip));
  const k = slot * 4;
  const near = PROFILE_SCRATCH[k] as number;
  const b0 = PROFILE_SCRATCH[k + 1] as number;
  const b1 = PROFILE_SCRATCH[k + 2] as number;
  const frac = PROFILE_SCRATCH[k + 3] as number;
  const binMs = p.periodMs / p.off.length;
  const aBin = Math.min(0.5, (seasonalAlpha * dt) / binMs);
  const off = v - baseBefore;
  const cur = p.off[near] as number;
  if (!have || Number.isNaN(cur)) {
    p.off[near] = off;
    p.mad[near] = levelMad;
    return;
  }
  const ro = off - o;
  const m = p.mad[near] as number;
  const lim = 4 * Math.max(m, floor);
  const roc = ro > lim ? lim : Math.max(ro, -lim);
  const o0 = p.off[b0] as number;
  const o1 = p.off[b1] as number;
  if (!Number.isNaN(o0) && !Number.isNaN(o1)) {
    p.off[b0] = o0 + aBin * 2 * (1 - frac) * roc;
    p.off[b1] = o1 + aBin * 2 * frac * roc;
  } else p.off[near] = cur + aBin * roc;
  p.mad[near] = m + aBin * (Math.min(Math.abs(v - pred), lim) - m);
}
