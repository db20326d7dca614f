import { type ErrorCode, VigilError } from './errors.js';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?Z?$/;
const NUMBER_RE = /^\d+(\.\d+)?$/;

/**
 * Reads one timestamp into Unix milliseconds (rounded to the millisecond): `YYYY-MM-DD HH:MM[:SS[.fff]]` with a
 * space or `T` and an optional `Z`, taken as UTC; or a number, read as milliseconds, or with `numbers: 'auto'` as
 * seconds when below 1e11 (before 1973 in milliseconds). NaN when it is none of these.
 */
export function parseTimestamp(text: string, numbers: 'ms' | 'auto' = 'ms'): number {
  const s = text.trim();
  if (NUMBER_RE.test(s)) {
    const n = Number(s);
    return Math.round(numbers === 'auto' && n < 1e11 ? n * 1000 : n);
  }
  const m = DATE_RE.exec(s);
  if (m === null) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms);
}

/** How `parseTimestampValueCsv` reads its input. */
export interface TimestampValueCsvOptions {
  /** Names the input in errors (a file name, `stdin`). */
  source?: string;
  /** Error code of the VigilError thrown for an unreadable row (default BAD_PAYLOAD). */
  code?: ErrorCode;
  /** How numeric timestamps are read (see `parseTimestamp`; default 'ms'). */
  numbers?: 'ms' | 'auto';
  /**
   * A value that is not a number: 'error' refuses the input; 'nan' keeps the row with NaN, so row positions stay
   * aligned with the file (default 'error'). `NaN`, `Inf`, `+Inf` and `-Inf` are numbers either way.
   */
  badValues?: 'error' | 'nan';
}

function readValue(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === 'Inf' || text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return text === '' ? Number.NaN : Number(text);
}

/**
 * Parses a `timestamp,value` CSV into columns. The first non-empty line is skipped when its timestamp cannot be
 * read (a header); any later unreadable row throws a VigilError naming the source and line.
 */
export function parseTimestampValueCsv(text: string, opts: TimestampValueCsvOptions = {}): { timestamps: number[]; values: number[] } {
  const source = opts.source ?? 'CSV';
  const code = opts.code ?? 'BAD_PAYLOAD';
  const timestamps: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const isFirst = first;
    first = false;
    const comma = line.indexOf(',');
    if (comma < 0) throw new VigilError(code, `${source} line ${i + 1}: expected timestamp,value`);
    const ts = line.slice(0, comma).trim();
    const vs = line.slice(comma + 1).trim();
    const t = parseTimestamp(ts, opts.numbers);
    if (Number.isNaN(t)) {
      if (isFirst) continue;
      throw new VigilError(code, `${source} line ${i + 1}: cannot read timestamp "${ts.slice(0, 40)}"`);
    }
    const v = readValue(vs);
    if (Number.isNaN(v) && vs !== 'NaN' && opts.badValues !== 'nan') {
      throw new VigilError(code, `${source} line ${i + 1}: cannot read value "${vs.slice(0, 40)}"`);
    }
    timestamps.push(t);
    values.push(v);
  }
  return { timestamps, values };
}
