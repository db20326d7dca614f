import { doubleArray, type ErrorCode, type LabelLimits, type Labels, type SeriesSamples } from '../../core/index.js';
import type { IngestRejection } from '../route-deps.js';
import type { DecodedWriteRequest } from './decode.js';

/**
 * A decoded WriteRequest as a decode worker sends it back to the main thread: samples in transferable typed
 * arrays (moved, not copied) and each label set as a small integer reference. A label set is sent once, the
 * first time its worker meets it (`defs`); afterwards only its reference travels, so the main thread neither
 * decodes nor copies label strings for the series a sender repeats in every request.
 */
export interface PackedWriteRequest {
  /** The worker's reference generation; the main thread forgets its references when it changes. */
  gen: number;
  /** Label-set reference of each series. */
  refs: Int32Array;
  /** Samples of each series; series i's samples follow series i-1's in `ts` and `vs`. */
  counts: Int32Array;
  /** Index of each series among the request's timeseries. */
  origin: Int32Array;
  ts: Float64Array;
  vs: Float64Array;
  /** Label sets referenced for the first time in this generation: reference, then labels. */
  defs: [number, Labels][];
  rejections: IngestRejection[];
  samples: number;
}

/** A decode job sent to a worker. */
export interface DecodeJob {
  id: number;
  /** The snappy-compressed body (its buffer is transferred). */
  body: Uint8Array;
  /** Largest decompressed size accepted, in bytes. */
  limit: number;
  maxSamples: number;
  /** Limits the label sets are checked against (the decoder's defaults when absent). */
  labelLimits?: LabelLimits;
}

/** A worker's answer to a DecodeJob. */
export type DecodeReply =
  | { id: number; ok: true; packed: PackedWriteRequest }
  | { id: number; ok: false; code: ErrorCode | 'UNKNOWN'; message: string };

/** References handed out by a worker: generation, the next number, and which frozen label set has which. */
export class LabelRefs {
  gen = 0;
  private next = 0;
  private byLabels = new WeakMap<Labels, number>();

  /** At most this many references per generation; then both sides start afresh (bounds the main thread's table). */
  constructor(private readonly limit = 500_000) {}

  /**
   * The reference of `labels`, adding a definition to `defs` when new. Only frozen label sets (the decoder's
   * shared cache entries) are remembered; any other gets a fresh reference each time.
   */
  ref(labels: Labels, defs: [number, Labels][]): number {
    const frozen = Object.isFrozen(labels);
    let r = frozen ? this.byLabels.get(labels) : undefined;
    if (r === undefined) {
      r = this.next++;
      if (frozen) this.byLabels.set(labels, r);
      defs.push([r, labels]);
    }
    return r;
  }

  /** Called after each request: starts a new generation once the limit is passed. */
  endRequest(): void {
    if (this.next < this.limit) return;
    this.gen++;
    this.next = 0;
    this.byLabels = new WeakMap();
  }
}

/** Packs a decoded WriteRequest for the main thread (in the worker). */
export function packWriteRequest(d: DecodedWriteRequest, refs: LabelRefs): PackedWriteRequest {
  const n = d.series.length;
  const defs: [number, Labels][] = [];
  // Two buffers per request, not five: each moved ArrayBuffer is an off-heap allocation the main thread's
  // collector has to track.
  const ints = new Int32Array(3 * n);
  const refArr = ints.subarray(0, n);
  const counts = ints.subarray(n, 2 * n);
  const origin = ints.subarray(2 * n);
  origin.set(d.origin);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = d.series[i] as SeriesSamples;
    refArr[i] = refs.ref(s.labels, defs);
    counts[i] = s.timestamps.length;
    total += s.timestamps.length;
  }
  const doubles = new Float64Array(2 * total);
  const ts = doubles.subarray(0, total);
  const vs = doubles.subarray(total);
  let k = 0;
  for (const s of d.series) {
    const t = s.timestamps;
    const v = s.values;
    for (let j = 0; j < t.length; j++, k++) {
      ts[k] = t[j] as number;
      vs[k] = v[j] as number;
    }
  }
  // The generation these references belong to, read before endRequest may start the next one.
  const gen = refs.gen;
  refs.endRequest();
  return {
    gen,
    refs: refArr,
    counts,
    origin,
    ts,
    vs,
    defs,
    rejections: d.rejections,
    samples: d.samples,
  };
}

/** The label sets one worker has defined, on the main thread. */
export class LabelTable {
  private gen = -1;
  private sets: Labels[] = [];

  /** Unpacks a worker's answer into what the pipeline takes; label sets are frozen and shared between requests. */
  unpack(p: PackedWriteRequest): DecodedWriteRequest {
    if (p.gen !== this.gen) {
      this.gen = p.gen;
      this.sets = [];
    }
    for (const [r, labels] of p.defs) this.sets[r] = Object.freeze(labels);
    const series: SeriesSamples[] = new Array(p.refs.length);
    let k = 0;
    for (let i = 0; i < p.refs.length; i++) {
      const labels = this.sets[p.refs[i] as number];
      if (labels === undefined) throw new Error(`decode worker sent unknown label reference ${p.refs[i]}`);
      const n = p.counts[i] as number;
      const timestamps: number[] = [];
      // Values go through a double array so that NaN payloads (staleness markers) keep their bits.
      const values = doubleArray();
      for (let j = 0; j < n; j++, k++) {
        timestamps.push(p.ts[k] as number);
        values.push(p.vs[k] as number);
      }
      series[i] = { labels, timestamps, values };
    }
    return { series, origin: Array.from(p.origin), samples: p.samples, rejections: p.rejections };
  }
}
