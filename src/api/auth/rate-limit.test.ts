import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/index.js';
import { RateLimiter } from './rate-limit.js';
import { LoginThrottle } from './throttle.js';

describe('RateLimiter', () => {
  it('allows the burst, then the sustained rate, per caller', () => {
    const clock = new FakeClock(0);
    const rl = new RateLimiter({ perSecond: 10, burst: 5, now: () => clock.now() });
    for (let i = 0; i < 5; i++) expect(rl.take('a')).toBe(0);
    expect(rl.take('a')).toBeCloseTo(0.1, 5);
    expect(rl.take('b')).toBe(0);
    clock.advance(100);
    expect(rl.take('a')).toBe(0);
    expect(rl.take('a')).toBeGreaterThan(0);
  });
});

describe('LoginThrottle', () => {
  it('lets a few failures through, then doubles the wait, and forgets on success', () => {
    const clock = new FakeClock(0);
    const t = new LoginThrottle({ freeFailures: 3, baseDelayMs: 1000, now: () => clock.now() });
    for (let i = 0; i < 3; i++) {
      expect(t.check('k')).toBe(0);
      t.fail('k');
    }
    expect(t.check('k')).toBe(0);
    t.fail('k');
    expect(t.check('k')).toBe(1000);
    clock.advance(1000);
    t.fail('k');
    expect(t.check('k')).toBe(2000);
    expect(t.check('other')).toBe(0);
    t.succeed('k');
    expect(t.check('k')).toBe(0);
  });
});
