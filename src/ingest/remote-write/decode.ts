import { type Labels, type SeriesSamples, VigilError } from '../../core/index.js';
import type { IngestRejection } from '../route-deps.js';

/** A decoded remote_write 1.0 WriteRequest: float series ready for the pipeline, plus what was refused. */
export interface DecodedWriteRequest {
  series: SeriesSamples[];
  /** For each entry of `series`, its index among the request's timeseries. */
  origin: number[];
  /** Float samples in the request. */
  samples: number;
  /** Series refused while decoding (duplicate label names, native histograms). */
  rejections: IngestRejection[];
}

const BAD = 'BAD_PAYLOAD';

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

  constructor(
    private readonly buf: Buffer,
    private readonly maxSamples: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
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

  decode(): DecodedWriteRequest {
    const end = this.buf.length;
    const out: DecodedWriteRequest = { series: [], origin: [], samples: 0, rejections: [] };
    let index = 0;
    while (this.pos < end) {
      const tag = this.varint(end);
      if (tag === 0x0a) {
        const len = this.length(end);
        this.timeSeries(this.pos + len, index++, out);
      } else {
        if (tag < 8) throw malformed('field number 0', this.pos);
        this.skip(tag & 7, end);
      }
    }
    return out;
  }

  private timeSeries(end: number, index: number, out: DecodedWriteRequest): void {
    const labels: Labels = {};
    const timestamps: number[] = [];
    const values: number[] = [];
    let problem: string | null = null;
    let histograms = 0;
    while (this.pos < end) {
      const tag = this.varint(end);
      if (tag === 0x0a) {
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
        if (Object.hasOwn(labels, name)) problem ??= `duplicate label name "${name.slice(0, 64)}"`;
        labels[name] = value;
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
        histograms++;
        const len = this.length(end);
        this.pos += len;
      } else {
        if (tag < 8) throw malformed('field number 0', this.pos);
        this.skip(tag & 7, end);
      }
    }
    if (this.pos !== end) throw malformed('message overruns its length', this.pos);
    if (histograms > 0) {
      out.rejections.push({ reason: 'bad_value', series: index, detail: `${histograms} native histogram samples: not supported` });
    }
    if (problem !== null) {
      for (let j = 0; j < timestamps.length; j++) out.rejections.push({ reason: 'bad_labels', series: index, sample: j, detail: problem });
      return;
    }
    if (timestamps.length === 0) return;
    out.series.push({ labels, timestamps, values });
    out.origin.push(index);
  }
}

/** Decodes an uncompressed remote_write 1.0 WriteRequest; throws BAD_PAYLOAD or TOO_MANY_SAMPLES. */
export function decodeWriteRequest(body: Buffer, maxSamples: number): DecodedWriteRequest {
  return new WriteRequestDecoder(body, maxSamples).decode();
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
