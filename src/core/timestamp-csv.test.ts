import { describe, expect, it } from 'vitest';
import { isVigilError } from './errors.js';
import { parseTimestamp, parseTimestampValueCsv } from './timestamp-csv.js';

describe('parseTimestamp', () => {
  it('reads UTC dates with or without seconds, fraction and Z, to the millisecond', () => {
    expect(parseTimestamp('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15, 0));
    expect(parseTimestamp(' 2014-04-10T07:15Z ')).toBe(Date.UTC(2014, 3, 10, 7, 15, 0));
    expect(parseTimestamp('2014-04-10 07:15:00.1234')).toBe(Date.UTC(2014, 3, 10, 7, 15, 0, 123));
  });

  it('reads numbers as Unix ms, or with numbers "auto" as seconds below 1e11', () => {
    expect(parseTimestamp('1763800000123')).toBe(1763800000123);
    expect(parseTimestamp('1763800000')).toBe(1763800000);
    expect(parseTimestamp('1763800000', 'auto')).toBe(1763800000000);
    expect(parseTimestamp('1763800000.5', 'auto')).toBe(1763800000500);
    expect(parseTimestamp('1763800000123', 'auto')).toBe(1763800000123);
  });

  it('gives NaN for anything else', () => {
    for (const s of ['yesterday', '', '-5', '2014-04-10', '1e12', '2014-04-10 07:15:00 +02:00']) expect(parseTimestamp(s)).toBeNaN();
  });
});

describe('parseTimestampValueCsv', () => {
  it('reads dates and numbers, skipping a header on the first non-empty line, with NaN and infinities as values', () => {
    const r = parseTimestampValueCsv('\ntimestamp,value\n2014-04-10 07:15:00,1.5\n2014-04-10 07:20:00,NaN\n\n1397114700000,-Inf\n');
    expect(r.timestamps).toEqual([Date.UTC(2014, 3, 10, 7, 15), Date.UTC(2014, 3, 10, 7, 20), 1397114700000]);
    expect(r.values).toEqual([1.5, Number.NaN, Number.NEGATIVE_INFINITY]);
  });

  it('names the source and line of a row it cannot read, with the code asked for', () => {
    const bad = (text: string, opts = {}) => {
      try {
        parseTimestampValueCsv(text, { source: 'x.csv', ...opts });
      } catch (e) {
        return isVigilError(e) ? `${e.code} ${e.message}` : String(e);
      }
      return 'no error';
    };
    expect(bad('t,v\n1763800000,1\n1763800060,abc\n')).toBe('BAD_PAYLOAD x.csv line 3: cannot read value "abc"');
    expect(bad('t,v\n1763800000,1\n1763800060,\n')).toBe('BAD_PAYLOAD x.csv line 3: cannot read value ""');
    expect(bad('1763800000,1\nlater,2\n', { code: 'BAD_REQUEST' })).toBe('BAD_REQUEST x.csv line 2: cannot read timestamp "later"');
    expect(bad('1763800000;1\n')).toBe('BAD_PAYLOAD x.csv line 1: expected timestamp,value');
  });

  it('keeps rows with unreadable values as NaN when asked, so rows stay aligned with the file', () => {
    const r = parseTimestampValueCsv('1000,1\n2000,\n3000,abc\n4000,4', { badValues: 'nan' });
    expect(r.timestamps).toEqual([1000, 2000, 3000, 4000]);
    expect(r.values).toEqual([1, Number.NaN, Number.NaN, 4]);
  });
});
