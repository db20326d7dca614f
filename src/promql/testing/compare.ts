/** TEST AND BENCHMARK HELPER: compares two Prometheus API query results (same series, timestamps, values within a relative tolerance). */
import { seriesKey } from '../../core/index.js';

type Point = [number, string];
interface ApiSeries {
  metric: Record<string, string>;
  value?: Point;
  values?: Point[];
}

/** The `data` member of a successful Prometheus query answer. */
export interface ApiData {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: ApiSeries[] | Point;
}

function sameValue(a: string, b: string, rel: number): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  return Math.abs(x - y) <= rel * Math.max(Math.abs(x), Math.abs(y));
}

function samePoints(a: Point[], b: Point[], rel: number): string | null {
  if (a.length !== b.length) return `${a.length} points vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const [ta, va] = a[i] as Point;
    const [tb, vb] = b[i] as Point;
    if (ta !== tb) return `timestamp ${ta} vs ${tb} at point ${i}`;
    if (!sameValue(va, vb, rel)) return `value ${va} vs ${vb} at t=${ta}`;
  }
  return null;
}

/**
 * Differences between `expected` (Prometheus) and `actual` (Vigil), empty when they agree: same result type,
 * same series (by label set; order only when `ordered`), same timestamps and values within `rel` relative error.
 */
export function diffResults(expected: ApiData, actual: ApiData, opts: { rel?: number; ordered?: boolean } = {}): string[] {
  const rel = opts.rel ?? 1e-9;
  if (expected.resultType !== actual.resultType) return [`resultType ${expected.resultType} vs ${actual.resultType}`];
  if (expected.resultType === 'scalar' || expected.resultType === 'string') {
    const d = samePoints([expected.result as Point], [actual.result as Point], rel);
    return d === null ? [] : [d];
  }
  const diffs: string[] = [];
  const exp = expected.result as ApiSeries[];
  const act = actual.result as ApiSeries[];
  const points = (s: ApiSeries): Point[] => s.values ?? (s.value === undefined ? [] : [s.value]);
  const byKey = new Map(act.map((s) => [seriesKey(s.metric), s]));
  if (byKey.size !== act.length) diffs.push('Vigil returned duplicate series');
  for (const s of exp) {
    const key = seriesKey(s.metric);
    const other = byKey.get(key);
    if (other === undefined) {
      diffs.push(`missing series ${key}`);
      continue;
    }
    byKey.delete(key);
    const d = samePoints(points(s), points(other), rel);
    if (d !== null) diffs.push(`${key}: ${d}`);
  }
  for (const key of byKey.keys()) diffs.push(`extra series ${key}`);
  if (opts.ordered && diffs.length === 0) {
    const ek = exp.map((s) => seriesKey(s.metric)).join('|');
    const ak = act.map((s) => seriesKey(s.metric)).join('|');
    if (ek !== ak) diffs.push('series in a different order');
  }
  return diffs;
}
