import { describe, expect, it } from 'vitest';
import { isGoodNews } from './direction.js';

describe('good-news deviations', () => {
  it('a headroom metric rising above its band is good news; falling below it, or any other metric, is not', () => {
    const band = [10, 20] as const;
    expect(isGoodNews({ __name__: 'node_filesystem_avail_bytes' }, 30, band)).toBe(true);
    expect(isGoodNews({ __name__: 'node_memory_MemAvailable_bytes' }, 30, band)).toBe(true);
    expect(isGoodNews({ __name__: 'node_filesystem_files_free' }, 30, band)).toBe(true);
    expect(isGoodNews({ __name__: 'node_filesystem_avail_bytes' }, 5, band)).toBe(false);
    expect(isGoodNews({ __name__: 'node_filesystem_avail_bytes' }, 15, band)).toBe(false);
    expect(isGoodNews({ __name__: 'node_load1' }, 30, band)).toBe(false);
  });
});
