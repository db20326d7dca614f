import { describe, expect, it } from 'vitest';
import { formatSelector, parseSelector } from '../core/index.js';
import { cronMatches, lastStart, parseCron } from './cron.js';
import { describeWhere, formatValue, renderText, subjectOf } from './message.js';
import { ALL_TENANTS, MuteIndex } from './mutes.js';
import { sampleMessage } from './testing/fixtures.js';

describe('selector', () => {
  it('parses names and the four operators, with escapes', () => {
    expect(parseSelector('node_load1{host=~"web-.*",env!="dev",path="a\\"b",x!~"y"}')).toEqual([
      { name: '__name__', op: '=', value: 'node_load1' },
      { name: 'host', op: '=~', value: 'web-.*' },
      { name: 'env', op: '!=', value: 'dev' },
      { name: 'path', op: '=', value: 'a"b' },
      { name: 'x', op: '!~', value: 'y' },
    ]);
    expect(parseSelector('{}')).toEqual([]);
    expect(formatSelector(parseSelector('up{job="node"}'))).toBe('up{job="node"}');
  });
  it('rejects malformed selectors', () => {
    for (const bad of ['', 'up{', 'up{host=web}', '{host=~"("}', '9x']) expect(() => parseSelector(bad), bad).toThrow();
  });
});

describe('cron', () => {
  const at = (s: string) => Date.parse(s);
  it('matches minute, hour, ranges, steps, lists and weekdays in UTC', () => {
    const c = parseCron('*/15 2-4 * * 1,3');
    expect(cronMatches(c, at('2026-11-23T02:30:00Z'))).toBe(true); // Monday
    expect(cronMatches(c, at('2026-11-23T02:31:00Z'))).toBe(false);
    expect(cronMatches(c, at('2026-11-24T02:30:00Z'))).toBe(false); // Tuesday
    expect(cronMatches(parseCron('0 0 * * 7'), at('2026-11-22T00:00:00Z'))).toBe(true); // Sunday as 7
    expect(cronMatches(parseCron('@daily'), at('2026-11-22T00:00:00Z'))).toBe(true);
    // Day of month OR day of week when both are restricted (classic cron).
    const both = parseCron('0 0 1 * 1');
    expect(cronMatches(both, at('2026-11-23T00:00:00Z'))).toBe(true);
    expect(cronMatches(both, at('2026-12-01T00:00:00Z'))).toBe(true);
  });
  it('finds the last start within a lookback', () => {
    const c = parseCron('0 2 * * *');
    expect(lastStart(c, at('2026-11-22T02:44:59Z'), 45 * 60_000)).toBe(at('2026-11-22T02:00:00Z'));
    expect(lastStart(c, at('2026-11-22T02:45:00Z'), 45 * 60_000)).toBeNull();
  });
  it('rejects bad schedules', () => {
    for (const bad of ['* * * *', '60 * * * *', '* 24 * * *', '5-1 * * * *', 'a * * * *']) expect(() => parseCron(bad), bad).toThrow();
  });
});

describe('mutes', () => {
  it('applies silences by tenant, matchers and time; config ones to every tenant', () => {
    const idx = new MuteIndex();
    idx.set(
      [
        { id: 'a', tenant: 'acme', match: '{host="web-1"}', startsAt: 100, endsAt: 200, comment: '', createdBy: 'x', source: 'api' },
        { id: 'b', tenant: ALL_TENANTS, match: '{rule="noisy"}', startsAt: 0, endsAt: 1000, comment: '', createdBy: 'x', source: 'config' },
      ],
      [],
    );
    expect(idx.muted('acme', { host: 'web-1' }, 150)).toBe(true);
    expect(idx.muted('acme', { host: 'web-1' }, 200)).toBe(false);
    expect(idx.muted('other', { host: 'web-1' }, 150)).toBe(false);
    expect(idx.muted('other', { rule: 'noisy' }, 150)).toBe(true);
  });
});

describe('message', () => {
  it('formats values by unit suffix', () => {
    expect(formatValue('node_memory_used_bytes', 15.2 * 2 ** 30)).toBe('15.2 GiB');
    expect(formatValue('node_cpu_usage_ratio', 0.973)).toBe('97.3%');
    expect(formatValue('probe_duration_seconds', 90)).toBe('1m 30s');
    expect(formatValue('node_load1', 12.3456)).toBe('12.3');
    expect(formatValue('x', null)).toBe('no data');
  });
  it('describes where a series is and renders the why as text', () => {
    expect(describeWhere({ __name__: 'node_filesystem_avail_bytes', host: 'db-3', mountpoint: '/var' })).toBe('db-3 mountpoint=/var');
    const text = renderText(sampleMessage());
    expect(subjectOf(sampleMessage())).toBe('[FIRING critical] web-1: node_load1 far above normal (+1 more)');
    expect(text).toContain('Main: node_load1 on web-1 (critical)');
    expect(text).toContain('#2: node_memory_used_bytes on db-1 (warning)');
    expect(text).toContain('Open in Vigil: http://vigil.example:9470/incidents/inc-42');
  });
});
