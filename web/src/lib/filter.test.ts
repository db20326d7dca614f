import { describe, expect, it } from 'vitest';
import { matchesFilter, parseFilter } from './filter.js';

const web = { name: 'web-1', labels: { env: 'prod', role: 'web', dc: 'fra' } };
const db = { name: 'db-2', labels: { env: 'staging', role: 'db' } };

describe('fleet filter', () => {
  it('matches free text against the name and label values', () => {
    expect(matchesFilter(web, parseFilter('web'))).toBe(true);
    expect(matchesFilter(db, parseFilter('fra'))).toBe(false);
    expect(matchesFilter(web, parseFilter('FRA'))).toBe(true);
  });
  it('applies label equality, inequality and anchored regexes', () => {
    expect(matchesFilter(web, parseFilter('env=prod'))).toBe(true);
    expect(matchesFilter(db, parseFilter('env=prod'))).toBe(false);
    expect(matchesFilter(db, parseFilter('env!=prod'))).toBe(true);
    expect(matchesFilter(db, parseFilter('role=~"db|cache"'))).toBe(true);
    expect(matchesFilter(web, parseFilter('role=~we'))).toBe(false);
    expect(matchesFilter(web, parseFilter('role!~db'))).toBe(true);
    expect(matchesFilter(web, parseFilter('host=web-1 env=prod'))).toBe(true);
  });
  it('treats a missing label as empty and a broken regex as matching nothing', () => {
    expect(matchesFilter(db, parseFilter('dc='))).toBe(true);
    expect(matchesFilter(web, parseFilter('dc=~"("'))).toBe(false);
  });
});
