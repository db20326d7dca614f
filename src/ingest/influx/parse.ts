import { type Labels, type SeriesSamples, VigilError } from '../../core/index.js';
import type { IngestRejection } from '../route-deps.js';

/** Timestamp precisions of the line protocol, as the `precision` query parameter names them (v1 and v2 spellings). */
export type InfluxPrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

const PRECISIONS: Record<string, InfluxPrecision> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', µ: 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };

/** Reads a `precision` parameter (`ns` when absent); throws BAD_REQUEST for an unknown one. */
export function parsePrecision(value: string | undefined): InfluxPrecision {
  if (value === undefined || value === '') return 'ns';
  const p = PRECISIONS[value];
  if (p === undefined) throw new VigilError('BAD_REQUEST', `unknown precision "${value.slice(0, 16)}"; use ns, us, ms, s, m or h`);
  return p;
}

/** One parsed line: measurement, tags and fields exactly as written (escapes removed), timestamp in ms or null. */
export interface InfluxPoint {
  measurement: string;
  tags: [string, string][];
  /** Numeric and boolean fields as numbers; string fields are kept apart because they cannot be stored as samples. */
  fields: [string, number][];
  stringFields: [string, string][];
  /** Unix ms, or null when the line has no timestamp. */
  timestamp: number | null;
}

/** Options for turning line protocol into series. */
export interface InfluxParseOptions {
  precision: InfluxPrecision;
  /** Unix ms given to lines without a timestamp. */
  now: number;
  /** Largest number of samples (numeric fields) accepted; more throws TOO_MANY_SAMPLES. */
  maxSamples: number;
}

/** Series built from a body, for each series the input line of every sample, and the lines that were refused. */
export interface InfluxParseResult {
  series: SeriesSamples[];
  /** `lines[i][j]`: 1-based input line of sample j of series i. */
  lines: number[][];
  rejections: IngestRejection[];
  /** String fields seen and skipped (they are not numeric samples). */
  skippedStringFields: number;
  samples: number;
}

class LineError extends Error {}

const MEASUREMENT_ESCAPES = new Set([',', ' ']);
const KEY_ESCAPES = new Set([',', '=', ' ']);

/**
 * Reads an unquoted token up to one of `stops`, removing the backslash before an escapable character
 * (a backslash before anything else stays literal, as the line protocol specifies).
 */
function readToken(line: string, pos: number, stops: string, escapes: Set<string>): [value: string, end: number] {
  let out = '';
  let start = pos;
  while (pos < line.length) {
    const c = line[pos] as string;
    if (c === '\\' && pos + 1 < line.length && escapes.has(line[pos + 1] as string)) {
      out += line.slice(start, pos);
      start = pos + 1;
      pos += 2;
      continue;
    }
    if (stops.includes(c)) break;
    pos++;
  }
  return [out + line.slice(start, pos), pos];
}

/** Reads a double-quoted string field starting at the opening quote; returns the value and the index after the closing quote. */
function readString(line: string, pos: number): [value: string, end: number] {
  let out = '';
  let i = pos + 1;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
      // `\"` right before the end of the field closes the string with a literal backslash (spec: "\"" is `\`).
      if (line[i + 1] === '"' && isFieldEnd(line, i + 2) && line.indexOf('"', i + 2) < 0) {
        return [`${out}\\`, i + 2];
      }
      out += line[i + 1];
      i += 2;
      continue;
    }
    if (c === '"') return [out, i + 1];
    out += c;
    i++;
  }
  throw new LineError('unterminated string field value');
}

function isFieldEnd(line: string, i: number): boolean {
  return i >= line.length || line[i] === ',' || line[i] === ' ';
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+i$/;
const UINT_RE = /^\d+u$/;
const TIMESTAMP_RE = /^-?\d+$/;

function fieldValue(raw: string): number {
  if (FLOAT_RE.test(raw)) return Number(raw);
  if (INT_RE.test(raw) || UINT_RE.test(raw)) return Number(raw.slice(0, -1));
  switch (raw) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return 1;
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return 0;
  }
  throw new LineError(`invalid field value "${raw.slice(0, 40)}"`);
}

/** Converts a timestamp written in `precision` to Unix ms without passing through an imprecise float for ns and us. */
function toMs(raw: string, precision: InfluxPrecision): number {
  if (!TIMESTAMP_RE.test(raw)) throw new LineError(`invalid timestamp "${raw.slice(0, 40)}"`);
  if (raw.startsWith('-')) throw new LineError('negative timestamps are not supported');
  const cut = (digits: number) => (raw.length > digits ? Number(raw.slice(0, raw.length - digits)) : 0);
  switch (precision) {
    case 'ns':
      return cut(6);
    case 'us':
      return cut(3);
    case 'ms':
      return Number(raw);
    case 's':
      return Number(raw) * 1000;
    case 'm':
      return Number(raw) * 60_000;
    case 'h':
      return Number(raw) * 3_600_000;
  }
}

/** Parses one non-empty, non-comment line of line protocol; throws LineError naming what is wrong. */
export function parseLine(line: string, precision: InfluxPrecision): InfluxPoint {
  let [measurement, pos] = readToken(line, 0, ', ', MEASUREMENT_ESCAPES);
  if (measurement === '') throw new LineError('missing measurement');
  const tags: [string, string][] = [];
  while (line[pos] === ',') {
    const [key, afterKey] = readToken(line, pos + 1, ',= ', KEY_ESCAPES);
    if (line[afterKey] !== '=') throw new LineError(`missing "=" after tag key "${key.slice(0, 40)}"`);
    const [value, afterValue] = readToken(line, afterKey + 1, ', ', KEY_ESCAPES);
    if (key === '') throw new LineError('empty tag key');
    if (value === '') throw new LineError(`missing value for tag "${key.slice(0, 40)}"`);
    tags.push([key, value]);
    pos = afterValue;
  }
  if (line[pos] !== ' ') throw new LineError('missing fields');
  while (line[pos] === ' ') pos++;
  const fields: [string, number][] = [];
  const stringFields: [string, string][] = [];
  for (;;) {
    const [key, afterKey] = readToken(line, pos, ',= ', KEY_ESCAPES);
    if (key === '') throw new LineError('empty field key');
    if (line[afterKey] !== '=') throw new LineError(`missing "=" after field key "${key.slice(0, 40)}"`);
    pos = afterKey + 1;
    if (line[pos] === '"') {
      const [value, end] = readString(line, pos);
      stringFields.push([key, value]);
      pos = end;
    } else {
      let end = pos;
      while (end < line.length && line[end] !== ',' && line[end] !== ' ') end++;
      if (end === pos) throw new LineError(`missing value for field "${key.slice(0, 40)}"`);
      fields.push([key, fieldValue(line.slice(pos, end))]);
      pos = end;
    }
    if (line[pos] === ',') {
      pos++;
      continue;
    }
    break;
  }
  let timestamp: number | null = null;
  if (pos < line.length) {
    if (line[pos] !== ' ') throw new LineError(`unexpected "${line[pos]}" after fields`);
    while (line[pos] === ' ') pos++;
    const raw = line.slice(pos).trimEnd();
    if (raw !== '') {
      if (raw.includes(' ')) throw new LineError('unexpected text after timestamp');
      timestamp = toMs(raw, precision);
    }
  }
  return { measurement, tags, fields, stringFields, timestamp };
}

/** Makes a Prometheus metric or label name out of any text: invalid characters become `_`, a leading digit gets `_`. */
export function sanitizeName(text: string, allowColon: boolean): string {
  let out = text.replace(allowColon ? /[^a-zA-Z0-9_:]/g : /[^a-zA-Z0-9_]/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/** Series built from a run of lines, with the input line of every sample and the lines refused meanwhile. */
export interface InfluxBatch {
  series: SeriesSamples[];
  /** `lines[i][j]`: 1-based input line of sample j of series i. */
  lines: number[][];
  /** Lines refused since the previous batch, in line order. */
  rejections: IngestRejection[];
  samples: number;
}

/**
 * Turns line-protocol lines into series one line at a time: one series per measurement and numeric field,
 * named `<measurement>_<field>`, with tags as labels (names sanitised to Prometheus rules; a tag that would
 * clash with `__name__` or other reserved names gets a `tag_` prefix). Bad lines are refused one by one.
 * `take` hands over what was built so far, so a body can be stored in bounded batches as it is read.
 */
export class LineProtocolBatcher {
  private bySeries = new Map<string, number>();
  private batch: InfluxBatch = { series: [], lines: [], rejections: [], samples: 0 };
  /** Samples across every batch so far. */
  samples = 0;
  /** String fields seen and skipped (they are not numeric samples). */
  skippedStringFields = 0;

  constructor(private readonly opts: InfluxParseOptions) {}

  /** Samples in the batch being built. */
  get pending(): number {
    return this.batch.samples;
  }

  /** Refuses line `lineNo` for a reason found outside the parser (a line too long to read). */
  reject(lineNo: number, message: string): void {
    this.batch.rejections.push({ reason: 'parse_error', line: lineNo, detail: `line ${lineNo}: ${message}` });
  }

  /** Adds line `lineNo` (without its `\n`); throws TOO_MANY_SAMPLES once the body has more samples than allowed. */
  line(raw: string, lineNo: number): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    let point: InfluxPoint;
    try {
      point = parseLine(trimmed, this.opts.precision);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      this.reject(lineNo, e.message);
      return;
    }
    this.skippedStringFields += point.stringFields.length;
    const labels: Labels = {};
    for (const [k, v] of point.tags) {
      let name = sanitizeName(k, false);
      if (name.startsWith('__')) name = `tag${name}`;
      labels[name] = v;
    }
    const tagKey = Object.keys(labels)
      .sort()
      .map((k) => `${k}\u0000${labels[k]}`)
      .join('\u0001');
    const t = point.timestamp ?? this.opts.now;
    const out = this.batch;
    for (const [field, value] of point.fields) {
      const name = sanitizeName(`${point.measurement}_${field}`, true);
      const key = `${name}\u0002${tagKey}`;
      let i = this.bySeries.get(key);
      if (i === undefined) {
        i = out.series.length;
        this.bySeries.set(key, i);
        out.series.push({ labels: { ...labels, __name__: name }, timestamps: [], values: [] });
        out.lines.push([]);
      }
      const s = out.series[i] as SeriesSamples;
      s.timestamps.push(t);
      s.values.push(value);
      (out.lines[i] as number[]).push(lineNo);
      out.samples++;
      if (++this.samples > this.opts.maxSamples) {
        throw new VigilError('TOO_MANY_SAMPLES', `request has more than ${this.opts.maxSamples} samples`);
      }
    }
  }

  /** Hands over the batch built so far and starts a new, empty one. */
  take(): InfluxBatch {
    const b = this.batch;
    this.batch = { series: [], lines: [], rejections: [], samples: 0 };
    this.bySeries = new Map();
    return b;
  }
}

/** Parses a whole line-protocol body at once (see LineProtocolBatcher); lines are separated by `\n`. */
export function parseLineProtocol(text: string, opts: InfluxParseOptions): InfluxParseResult {
  const batcher = new LineProtocolBatcher(opts);
  let lineNo = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    batcher.line(text.slice(start, end < 0 ? text.length : end), ++lineNo);
    if (end < 0) break;
    start = end + 1;
  }
  const b = batcher.take();
  return {
    series: b.series,
    lines: b.lines,
    rejections: b.rejections,
    skippedStringFields: batcher.skippedStringFields,
    samples: batcher.samples,
  };
}
