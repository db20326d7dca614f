import {
  DEFAULT_LABEL_LIMITS,
  doubleArray,
  isNormalizedLabels,
  type LabelLimits,
  type Labels,
  normalizeLabels,
  type SeriesSamples,
  VigilError,
  validateLabels,
} from '../../core/index.js';
import { yieldToEventLoop } from '../event-loop.js';
import type { IngestRejection } from '../route-deps.js';

/**
 * A decoded remote_write 1.0 WriteRequest: float series ready for the pipeline, plus what was refused. Every
 * series' labels are valid under the label limits the decoder was given and in canonical form (sorted, no empty
 * value; `normalizeLabels`), so the pipeline need not check them again (`IngestPipeline.write`'s `labelsChecked`).
 */
export interface DecodedWriteRequest {
  series: SeriesSamples[];
  /** For each entry of `series`, its index among the request's timeseries. */
  origin: number[];
  /** Float samples in the request. */
  samples: number;
  /** Series refused while decoding (invalid or duplicate label names, labels over the limits, native histograms). */
  rejections: IngestRejection[];
}

const BAD = 'BAD_PAYLOAD';

/** A timeseries being decoded: where it ends, its index in the request and what was read of it so far. */
interface OpenSeries {
  end: number;
  index: number;
  labels: Labels;
  timestamps: number[];
  values: number[];
  /** Why the series is refused (a duplicate label name), or null. */
  problem: string | null;
  histograms: number;
}

/**
 * Label sets seen recently, keyed by their raw bytes: senders repeat the same series in every request, so
 * most label sets are found here without decoding a string. Entries are valid and canonical (checked once, when
 * added), frozen and shared; consumers copy. One cache per set of label limits, as validity depends on them.
 */
const labelCaches = new Map<string, Map<string, Labels>>();
const LABEL_CACHE_SIZE = 100_000;

function labelCacheFor(limits: LabelLimits): Map<string, Labels> {
  const key = `${limits.maxLabels}/${limits.maxNameLength}/${limits.maxValueLength}`;
  let cache = labelCaches.get(key);
  if (cache === undefined) {
    cache = new Map();
    labelCaches.set(key, cache);
  }
  return cache;
}

/** `labels` checked against `limits`: the problem, or the set in canonical form (the same object when it already is). */
function checkLabels(labels: Labels, limits: LabelLimits): { problem: string } | { labels: Labels } {
  const problem = validateLabels(labels, limits);
  if (problem !== null) return { problem };
  return { labels: isNormalizedLabels(labels) ? labels : normalizeLabels(labels) };
}

function malformed(what: string, pos: number): VigilError {
  return new VigilError(BAD, `remote_write body is not a valid WriteRequest: ${what} at byte ${pos}`);
}

/**
 * A hand-written decoder for `prometheus.WriteRequest` (remote_write 1.0). It walks the protobuf
 * wire format once, without intermediate objects, and fails with BAD_PAYLOAD on any structural error
 * so that a damaged body stores nothing. Unknown fields are skipped as protobuf requires.
 */
class WriteRequestDecoder {
  private pos = 0;
  private readonly view: DataView;
  /** Index of the next timeseries among the request's. */
  private index = 0;
  /** The series being read when a slice ended inside it. */
  private open: OpenSeries | null = null;
  private readonly labelCache: Map<string, Labels>;

  constructor(
    private readonly buf: Buffer,
    private readonly maxSamples: number,
    private readonly limits: LabelLimits,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.labelCache = labelCacheFor(limits);
  }

  private varint(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) throw malformed('truncated varint', pos);
    let b = buf[pos++] as number;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let mul = 128;
    for (let i = 1; i < 10; i++) {
      if (pos >= end) throw malformed('truncated varint', pos);
      b = buf[pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
    throw malformed('varint longer than 10 bytes', pos);
  }

  private length(end: number): number {
    const len = this.varint(end);
    if (len > end - this.pos) throw malformed('length beyond the end of its message', this.pos);
    return len;
  }

  private skip(wireType: number, end: number): void {
    switch (wireType) {
      case 0:
        this.varint(end);
        return;
      case 1:
        if (end - this.pos < 8) throw malformed('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case 2: {
        // Read the length first: `this.pos += this.length()` would add to the position before the length.
        const len = this.length(end);
        this.pos += len;
        return;
      }
      case 5:
        if (end - this.pos < 4) throw malformed('truncated fixed32', this.pos);
        this.pos += 4;
        return;
      default:
        throw malformed(`unsupported wire type ${wireType}`, this.pos);
    }
  }

  /**
   * Decodes on from where the last call stopped until the body ends or about `budget` samples and label
   * fields were read in this call; returns true once the whole body is decoded. A series may be split across
   * calls: its state waits in `open` until its last field is read.
   */
  decodeSome(out: DecodedWriteRequest, budget: number): boolean {
    const end = this.buf.length;
    let work = 0;
    while (work < budget) {
      const open = this.open;
      if (open !== null) {
        work += this.timeSeries(open, out, budget - work);
        if (this.pos < open.end) continue;
        this.open = null;
        this.finishSeries(open, out);
        continue;
      }
      if (this.pos >= end) return true;
      const tag = this.varint(end);
      if (tag === 0x0a) {
        const len = this.length(end);
        this.open = {
          end: this.pos + len,
          index: this.index++,
          labels: {},
          timestamps: [],
          values: doubleArray(),
          problem: null,
          histograms: 0,
        };
      } else {
        if (tag < 8) throw malformed('field number 0', this.pos);
        this.skip(tag & 7, end);
      }
      work++;
    }
    return this.open === null && this.pos >= end;
  }

  /** End of the run of consecutive label fields starting at `pos` (validated lengths, nothing decoded). */
  private labelRunEnd(pos: number, end: number): number {
    const save = this.pos;
    this.pos = pos;
    while (this.pos < end && this.buf[this.pos] === 0x0a) {
      this.pos++;
      const len = this.length(end);
      this.pos += len;
    }
    const runEnd = this.pos;
    this.pos = save;
    return runEnd;
  }

  /** Decodes the label fields up to `runEnd` into `labels`; returns a problem (duplicate name) or null. */
  private labelRun(runEnd: number, labels: Labels): string | null {
    let problem: string | null = null;
    while (this.pos < runEnd) {
      this.pos++;
      const p = this.label(runEnd, labels);
      problem ??= p;
    }
    return problem;
  }

  /** Reads one length-delimited Label (its tag already read) into `labels`; returns a problem (duplicate name) or null. */
  private label(end: number, labels: Labels): string | null {
    const len = this.length(end);
    const labelEnd = this.pos + len;
    let name = '';
    let value = '';
    while (this.pos < labelEnd) {
      const t = this.varint(labelEnd);
      if (t === 0x0a) {
        const l = this.length(labelEnd);
        name = this.buf.toString('utf8', this.pos, this.pos + l);
        this.pos += l;
      } else if (t === 0x12) {
        const l = this.length(labelEnd);
        value = this.buf.toString('utf8', this.pos, this.pos + l);
        this.pos += l;
      } else {
        if (t < 8) throw malformed('field number 0', this.pos);
        this.skip(t & 7, labelEnd);
      }
    }
    const duplicate = Object.hasOwn(labels, name);
    labels[name] = value;
    return duplicate ? `duplicate label name "${name.slice(0, 64)}"` : null;
  }

  /**
   * The NaN whose 8 bytes start at `pos`: Prometheus' staleness marker when the bits are exactly
   * 0x7ff0000000000002 (Prometheus compares all 64), otherwise the ordinary NaN, so that no other NaN a
   * sender writes can later pass for a marker whose quiet bit V8 has set.
   */
  private nanAt(pos: number): number {
    const marker = this.view.getUint32(pos, true) === 2 && this.view.getUint32(pos + 4, true) === 0x7ff00000;
    return marker ? this.view.getFloat64(pos, true) : Number.NaN;
  }

  /**
   * Reads fields of the open series `ts` until it ends or `budget` samples and label fields were read;
   * returns how many were read.
   */
  private timeSeries(ts: OpenSeries, out: DecodedWriteRequest, budget: number): number {
    const end = ts.end;
    let labels = ts.labels;
    const timestamps = ts.timestamps;
    const values = ts.values;
    let problem = ts.problem;
    let work = 0;
    while (this.pos < end && work < budget) {
      work++;
      const tagStart = this.pos;
      const tag = this.varint(end);
      if (tag === 0x0a && timestamps.length === 0 && Object.keys(labels).length === 0) {
        // The label pairs usually come first and repeat in every request: look the whole run up at once.
        const runEnd = this.labelRunEnd(tagStart, end);
        const key = this.buf.toString('latin1', tagStart, runEnd);
        const cache = this.labelCache;
        const cached = cache.get(key);
        if (cached !== undefined) {
          labels = cached;
          this.pos = runEnd;
          continue;
        }
        this.pos = tagStart;
        problem = this.labelRun(runEnd, labels);
        if (problem === null) {
          const checked = checkLabels(labels, this.limits);
          if ('problem' in checked) problem = checked.problem;
          else {
            labels = Object.freeze(checked.labels);
            if (cache.size >= LABEL_CACHE_SIZE) cache.clear();
            cache.set(key, labels);
          }
        }
      } else if (tag === 0x0a) {
        // A label after the samples: never write into a shared cached set.
        if (Object.isFrozen(labels)) labels = { ...labels };
        const p = this.label(end, labels);
        problem ??= p;
      } else if (tag === 0x12) {
        const len = this.length(end);
        const sampleEnd = this.pos + len;
        let v = 0;
        let t = 0;
        while (this.pos < sampleEnd) {
          const st = this.varint(sampleEnd);
          if (st === 0x09) {
            if (sampleEnd - this.pos < 8) throw malformed('truncated sample value', this.pos);
            v = this.view.getFloat64(this.pos, true);
            if (Number.isNaN(v)) v = this.nanAt(this.pos);
            this.pos += 8;
          } else if (st === 0x10) {
            t = this.varint(sampleEnd);
          } else {
            if (st < 8) throw malformed('field number 0', this.pos);
            this.skip(st & 7, sampleEnd);
          }
        }
        timestamps.push(t);
        values.push(v);
        if (++out.samples > this.maxSamples) {
          throw new VigilError('TOO_MANY_SAMPLES', `request has more than ${this.maxSamples} samples`);
        }
      } else if (tag === 0x22) {
        ts.histograms++;
        const len = this.length(end);
        this.pos += len;
      } else {
        if (tag < 8) throw malformed('field number 0', this.pos);
        this.skip(tag & 7, end);
      }
    }
    ts.labels = labels;
    ts.problem = problem;
    return work;
  }

  /** Checks a series whose last field was read and adds it to `out` (or its refusal). */
  private finishSeries(ts: OpenSeries, out: DecodedWriteRequest): void {
    if (this.pos !== ts.end) throw malformed('message overruns its length', this.pos);
    const index = ts.index;
    if (ts.histograms > 0) {
      out.rejections.push({ reason: 'bad_value', series: index, detail: `${ts.histograms} native histogram samples: not supported` });
    }
    let labels = ts.labels;
    let problem = ts.problem;
    // A frozen set came from the cache, checked; any other (a label after the samples) is checked here.
    if (problem === null && !Object.isFrozen(labels)) {
      const checked = checkLabels(labels, this.limits);
      if ('problem' in checked) problem = checked.problem;
      else labels = checked.labels;
    }
    if (problem !== null) {
      for (let j = 0; j < ts.timestamps.length; j++)
        out.rejections.push({ reason: 'bad_labels', series: index, sample: j, detail: problem });
      return;
    }
    if (ts.timestamps.length === 0) return;
    out.series.push({ labels, timestamps: ts.timestamps, values: ts.values });
    out.origin.push(index);
  }
}

/**
 * Decodes an uncompressed remote_write 1.0 WriteRequest in one go; throws BAD_PAYLOAD or TOO_MANY_SAMPLES. Series
 * whose labels break `limits` (or the label syntax) are refused one sample at a time in `rejections`.
 */
export function decodeWriteRequest(body: Buffer, maxSamples: number, limits: LabelLimits = DEFAULT_LABEL_LIMITS): DecodedWriteRequest {
  const out: DecodedWriteRequest = { series: [], origin: [], samples: 0, rejections: [] };
  new WriteRequestDecoder(body, maxSamples, limits).decodeSome(out, Number.POSITIVE_INFINITY);
  return out;
}

/** Samples and label fields decoded between two yields to the event loop (a few milliseconds of work). */
const DECODE_SLICE = 10_000;

/**
 * Decodes a WriteRequest like `decodeWriteRequest`, but a body with more than `slice` samples and label
 * fields is decoded in slices of that size with a yield to the event loop between them, so a large body never
 * holds the loop for long; a small body is decoded in the first slice, without waiting.
 */
export async function decodeWriteRequestSliced(
  body: Buffer,
  maxSamples: number,
  limits: LabelLimits = DEFAULT_LABEL_LIMITS,
  slice = DECODE_SLICE,
): Promise<DecodedWriteRequest> {
  const out: DecodedWriteRequest = { series: [], origin: [], samples: 0, rejections: [] };
  const decoder = new WriteRequestDecoder(body, maxSamples, limits);
  while (!decoder.decodeSome(out, slice)) await yieldToEventLoop();
  return out;
}

/** Reads the uncompressed length a raw snappy block declares in its preamble; throws BAD_ENCODING if unreadable. */
export function snappyDeclaredLength(block: Uint8Array): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i] as number;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
  }
  throw new VigilError('BAD_ENCODING', 'body is not a snappy block: bad length preamble');
}
