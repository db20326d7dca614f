import type { Exhaustion } from './exhaustion.js';

/**
 * How confident we are that the limit is crossed within `withinMs`, from an ETA and its bounds read as the
 * 10th, 50th and 90th percentiles of the crossing time (piecewise linear between them; 0 without an ETA,
 * 1 when already full). A forecast rule "crosses LIMIT within HORIZON with at least P confidence" fires
 * when this is ≥ P.
 */
export function crossingConfidence(e: Exhaustion, withinMs: number): number {
  if (e.status === 'full') return 1;
  if (e.status !== 'filling' || e.etaMs === null) return 0;
  const eta = e.etaMs;
  const low = Math.min(e.etaLowMs ?? eta, eta);
  const high = e.etaHighMs === null ? Number.POSITIVE_INFINITY : Math.max(e.etaHighMs, eta);
  if (withinMs <= 0) return 0;
  if (withinMs < low) return low > 0 ? 0.1 * (withinMs / low) : 0.1;
  if (withinMs < eta) return eta > low ? 0.1 + (0.4 * (withinMs - low)) / (eta - low) : 0.5;
  if (withinMs < high) return Number.isFinite(high) && high > eta ? 0.5 + (0.4 * (withinMs - eta)) / (high - eta) : 0.5;
  // past the high bound: approach 1 as the window grows beyond it
  return Math.min(0.99, 0.9 + 0.09 * (1 - high / withinMs));
}
