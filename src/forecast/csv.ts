import { parseTimestampValueCsv } from '../core/index.js';

/** A univariate history read from a `timestamp,value` CSV. */
export interface CsvSeries {
  timestamps: number[];
  values: number[];
}

/**
 * Parses a `timestamp,value` CSV (header optional; timestamps as `parseTimestamp` reads them, numbers as Unix ms);
 * rows whose value is empty or not a number keep their position with value NaN so that row positions stay aligned
 * with the file. Throws BAD_REQUEST naming `source` and the line for a row it cannot read.
 */
export function parseSeriesCsv(text: string, source = 'input'): CsvSeries {
  return parseTimestampValueCsv(text, { source, code: 'BAD_REQUEST', badValues: 'nan' });
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
