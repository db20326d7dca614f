import { describe, expect, it } from 'vitest';
import { parseLine, parseLineProtocol } from './parse.js';

const opts = { precision: 'ns' as const, now: 1_700_000_000_000, maxSamples: 1000 };

// Examples from the InfluxDB line protocol reference, "Special characters" and "Elements of line protocol".
describe('line protocol escapes (spec examples)', () => {
  it.each([
    ['my\\,measurement fieldKey="string value"', 'my,measurement'],
    ['my\\ measurement fieldKey="string value"', 'my measurement'],
    ['my=measurement f=1', 'my=measurement'],
    ['my\\=measurement f=1', 'my\\=measurement'],
    ['my\\measurement f=1', 'my\\measurement'],
  ])('measurement %s', (line, measurement) => {
    expect(parseLine(line, 'ns').measurement).toBe(measurement);
  });

  it('escaped spaces, commas and equals signs in tag keys and values', () => {
    const p = parseLine('myMeasurement,tag\\ Key1=tag\\ Value1,tag\\,Key2=tag\\,Value2,tag\\=Key3=tag\\=Value3 fieldKey=100', 'ns');
    expect(p.tags).toEqual([
      ['tag Key1', 'tag Value1'],
      ['tag,Key2', 'tag,Value2'],
      ['tag=Key3', 'tag=Value3'],
    ]);
    expect(p.fields).toEqual([['fieldKey', 100]]);
  });

  it('escaped characters in field keys', () => {
    const p = parseLine('m field\\ Key\\,1\\=x=1,b=2i', 'ns');
    expect(p.fields).toEqual([
      ['field Key,1=x', 1],
      ['b', 2],
    ]);
  });

  it('double quotes and backslashes in string field values', () => {
    expect(parseLine('myMeasurement fieldKey="\\"string\\" within a string"', 'ns').stringFields).toEqual([
      ['fieldKey', '"string" within a string'],
    ]);
    expect(parseLine('m s="a, b=c d",v=1', 'ns')).toMatchObject({ stringFields: [['s', 'a, b=c d']], fields: [['v', 1]] });
  });

  // The reference's backslash table: line protocol → resulting field value.
  it.each([
    ['"\\"', '\\'],
    ['"\\\\"', '\\'],
    ['"\\\\\\"', '\\\\'],
    ['"\\\\\\\\"', '\\\\'],
    ['"\\\\\\\\\\"', '\\\\\\'],
    ['"\\\\\\\\\\\\"', '\\\\\\'],
  ])('backslashes: fieldKey=%s', (value, expected) => {
    expect(parseLine(`myMeasurement fieldKey=${value}`, 'ns').stringFields).toEqual([['fieldKey', expected]]);
  });

  it('emojis and non-ASCII text', () => {
    const p = parseLine('myMeasurement,tagKey=🍭 fieldKey="Launch 🚀" 1556813561098000000', 'ns');
    expect(p.tags).toEqual([['tagKey', '🍭']]);
    expect(p.stringFields).toEqual([['fieldKey', 'Launch 🚀']]);
    expect(p.timestamp).toBe(1556813561098);
  });

  it('field value types: floats, integers, unsigned, booleans', () => {
    const p = parseLine('m a=1,b=-1.234456e+78,c=1e3,d=12i,e=-12i,f=12u,g=t,h=FALSE,i=True,j=.5,k=1.', 'ns');
    expect(Object.fromEntries(p.fields)).toEqual({ a: 1, b: -1.234456e78, c: 1000, d: 12, e: -12, f: 12, g: 1, h: 0, i: 1, j: 0.5, k: 1 });
  });

  it.each([
    ['ns', '1556813561098000000', 1556813561098],
    ['us', '1556813561098000', 1556813561098],
    ['ms', '1556813561098', 1556813561098],
    ['s', '1556813561', 1556813561000],
    ['m', '25946892', 25946892 * 60_000],
    ['h', '432448', 432448 * 3_600_000],
  ] as const)('precision %s', (precision, ts, ms) => {
    expect(parseLine(`m v=1 ${ts}`, precision).timestamp).toBe(ms);
  });

  it.each([
    ['m', 'missing fields'],
    ['m,t=1', 'missing fields'],
    ['m v=', 'missing value'],
    ['m v=abc', 'invalid field value'],
    ['m,t= v=1', 'missing value for tag'],
    ['m v="open', 'unterminated'],
    ['m v=1 12x', 'invalid timestamp'],
    ['m v=1 1 2', 'unexpected text'],
    [',t=1 v=1', 'missing measurement'],
  ])('refuses %s', (line, message) => {
    expect(() => parseLine(line, 'ns')).toThrow(message);
  });
});

describe('parseLineProtocol', () => {
  it('turns fields into series named measurement_field with tags as labels', () => {
    const body = [
      '# a comment',
      'cpu,host=web-1,cpu\\ id=cpu0 usage_user=12.5,usage_system=3i,state="ok" 1700000000000000000',
      '',
      'cpu,host=web-1,cpu\\ id=cpu0 usage_user=13.5 1700000010000000000\r',
      'disk.io,host=web-1 reads=5u',
    ].join('\n');
    const r = parseLineProtocol(body, opts);
    expect(r.rejections).toEqual([]);
    expect(r.skippedStringFields).toBe(1);
    expect(r.series).toEqual([
      {
        labels: { host: 'web-1', cpu_id: 'cpu0', __name__: 'cpu_usage_user' },
        timestamps: [1700000000000, 1700000010000],
        values: [12.5, 13.5],
      },
      { labels: { host: 'web-1', cpu_id: 'cpu0', __name__: 'cpu_usage_system' }, timestamps: [1700000000000], values: [3] },
      { labels: { host: 'web-1', __name__: 'disk_io_reads' }, timestamps: [opts.now], values: [5] },
    ]);
    expect(r.lines).toEqual([[2, 4], [2], [5]]);
  });

  it('refuses bad lines one by one and keeps the good ones', () => {
    const r = parseLineProtocol('ok v=1 1000000\nbad v=x\nalso,__name__=x ok=2 2000000', opts);
    expect(r.series.map((s) => s.labels)).toEqual([{ __name__: 'ok_v' }, { tag__name__: 'x', __name__: 'also_ok' }]);
    expect(r.rejections).toEqual([{ reason: 'parse_error', line: 2, detail: 'line 2: invalid field value "x"' }]);
  });

  it('throws TOO_MANY_SAMPLES above the limit', () => {
    expect(() => parseLineProtocol('m a=1,b=2,c=3', { ...opts, maxSamples: 2 })).toThrow('more than 2 samples');
  });
});
