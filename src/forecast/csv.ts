import { VigilError } from '../core/index.js';

/** A univariate history read from a `timestamp,value` CSV. */
export interface CsvSeries {
  timestamps: number[];
  values: number[];
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;

/** Parses a timestamp given as `YYYY-MM-DD HH:MM:SS` (UTC) or Unix milliseconds; NaN when neither. */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  const m = DATE_RE.exec(s);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
}

/**
 * Parses a `timestamp,value` CSV (header optional); rows whose value is empty or not a number
 * keep their position with value NaN so that row positions stay aligned with the file.
 */
export function parseSeriesCsv(text: string, source = 'input'): CsvSeries {
  const timestamps: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const comma = line.indexOf(',');
    if (comma < 0) throw new VigilError('BAD_REQUEST', `${source}:${i + 1}: expected "timestamp,value"`);
    const t = parseTimestamp(line.slice(0, comma));
    if (Number.isNaN(t)) {
      if (timestamps.length === 0 && i === firstNonEmpty(lines)) continue;
      throw new VigilError('BAD_REQUEST', `${source}:${i + 1}: bad timestamp ${JSON.stringify(line.slice(0, comma))}`);
    }
    const raw = line.slice(comma + 1).trim();
    timestamps.push(t);
    values.push(raw === '' ? Number.NaN : Number(raw));
  }
  return { timestamps, values };
}

function firstNonEmpty(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) if ((lines[i] as string).trim() !== '') return i;
  return -1;
}

/** The typical spacing of a series: the median gap between consecutive timestamps (ms); 0 when fewer than two. */
export function medianStep(timestamps: readonly number[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < timestamps.length; i++) {
    const g = (timestamps[i] as number) - (timestamps[i - 1] as number);
    if (g > 0) gaps.push(g);
  }
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1] as number;
}
