import { VigilError } from '../../core/index.js';

/**
 * Parses a `timestamp,value` CSV (header optional) into columns. Timestamps may be Unix ms, Unix seconds
 * (with a fraction), or `YYYY-MM-DD HH:MM:SS[.fff]` taken as UTC; values are numbers or NaN/±Inf.
 */
export function parseTimestampValueCsv(text: string, source = 'CSV'): { timestamps: number[]; values: number[] } {
  const timestamps: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const comma = line.indexOf(',');
    if (comma < 0) throw new VigilError('BAD_PAYLOAD', `${source} line ${i + 1}: expected timestamp,value`);
    const ts = line.slice(0, comma).trim();
    const vs = line.slice(comma + 1).trim();
    const t = parseTimestamp(ts);
    if (t === null) {
      if (i === 0) continue; // header
      throw new VigilError('BAD_PAYLOAD', `${source} line ${i + 1}: cannot read timestamp "${ts.slice(0, 40)}"`);
    }
    const v =
      vs === 'NaN'
        ? Number.NaN
        : vs === '+Inf' || vs === 'Inf'
          ? Number.POSITIVE_INFINITY
          : vs === '-Inf'
            ? Number.NEGATIVE_INFINITY
            : Number(vs);
    if (vs === '' || (Number.isNaN(v) && vs !== 'NaN'))
      throw new VigilError('BAD_PAYLOAD', `${source} line ${i + 1}: cannot read value "${vs.slice(0, 40)}"`);
    timestamps.push(t);
    values.push(v);
  }
  return { timestamps, values };
}

/** Reads one timestamp: Unix ms (≥ 1e11), Unix seconds, or an ISO-like UTC date-time; null when it is none. */
export function parseTimestamp(s: string): number | null {
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.round(n >= 1e11 ? n : n * 1000);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z)?$/.exec(s);
  if (!m) return null;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms);
}
