import type { Labels } from '../core/index.js';

/** Metrics where more is better: free or available space, memory, inodes. */
const HEADROOM = /avail|free/i;

/**
 * True when a deviation is good news rather than a problem: a headroom metric (free or available disk space,
 * memory, inodes) rising above its expected band, as when logs are rotated or a cache is dropped. Such a
 * sample keeps its score and reason (charts and the API show it) but does not become an alert-level anomaly.
 */
export function isGoodNews(labels: Labels, value: number, expected: readonly [number, number]): boolean {
  return value > expected[1] && HEADROOM.test(labels.__name__ ?? '');
}
