/**
 * The precision scores and expected bands are stored and charted with (`vigil_anomaly_score`,
 * `vigil_expected_lower`, `vigil_expected_upper`): a score to 0.001, a band to 4 significant digits; no chart or
 * threshold reads finer. As full doubles each cost the store about 6 bytes per sample, rounded about 1
 * (`stored_*_bytes_per_sample` of `vigil bench detect --json`: input 2.6, score 6.0 → 1.0, band 5.9 → 0.9).
 * Alert decisions use the exact values, inside the worker, before rounding.
 */

/** A score in [0, 1] to the nearest 0.001. */
export function roundScore(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** `x` to 4 significant digits (the double nearest that decimal); 0 and non-finite values as they are. */
export function roundBand(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  // Digits to keep after the decimal point: 3 - floor(log10(|x|)); dividing by an exact power of ten (never
  // multiplying by a fraction of one) gives the double nearest the decimal, as a literal of it would be.
  const keep = 3 - Math.floor(Math.log10(Math.abs(x)));
  if (keep >= 0) {
    const p = POW10[keep];
    return p === undefined ? x : Math.round(x * p) / p;
  }
  const p = POW10[-keep];
  return p === undefined ? x : Math.round(x / p) * p;
}
