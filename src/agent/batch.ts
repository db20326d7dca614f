import type { Labels, SeriesSamples } from '../core/types.js';
import type { Sink } from './types.js';

/** Collects samples from the collectors into series: base labels (host, host_id, user labels) applied to every one. */
export class BatchBuilder implements Sink {
  private readonly series = new Map<string, SeriesSamples>();

  constructor(
    private readonly base: Labels,
    private readonly now: number,
  ) {}

  /** Adds one sample; non-finite values are kept (they travel as "NaN"/"+Inf"/"-Inf"). */
  add(name: string, labels: Labels | undefined, value: number, t: number = this.now): void {
    let key = name;
    if (labels) for (const k in labels) key += `\u0000${k}\u0001${labels[k]}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: { ...labels, ...this.base, __name__: name }, timestamps: [], values: [] };
      this.series.set(key, s);
    }
    s.timestamps.push(Math.round(t));
    s.values.push(value);
  }

  /** Number of samples collected so far. */
  get samples(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.values.length;
    return n;
  }

  /** The batch in the shared columnar form. */
  build(): SeriesSamples[] {
    return [...this.series.values()];
  }
}

function jsonValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return '"NaN"';
  return v > 0 ? '"+Inf"' : '"-Inf"';
}

/** Encodes a batch as Vigil's ingest JSON (`{series:[{labels, samples:[[t,v]…]}]}`), non-finite values as strings. */
export function encodeBatch(batch: readonly SeriesSamples[]): string {
  const parts: string[] = [];
  for (const s of batch) {
    let samples = '';
    for (let i = 0; i < s.values.length; i++) {
      if (i > 0) samples += ',';
      samples += `[${s.timestamps[i]},${jsonValue(s.values[i] as number)}]`;
    }
    parts.push(`{"labels":${JSON.stringify(s.labels)},"samples":[${samples}]}`);
  }
  return `{"series":[${parts.join(',')}]}`;
}
