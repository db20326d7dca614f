import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultDetectionWorkers, detectConfigSchema } from './config.js';

describe('detect config', () => {
  it('defaults to 500,000 unscored samples and a worker per core beyond two', () => {
    expect(detectConfigSchema.parse({})).toEqual({ maxUnscoredSamples: 500_000 });
    expect(defaultDetectionWorkers()).toBe(Math.max(1, Math.min(8, availableParallelism() - 2)));
  });

  it('reads the settings as written in YAML or the environment, and refuses nonsense', () => {
    expect(detectConfigSchema.parse({ workers: '3', maxUnscoredSamples: '2000000' })).toEqual({
      workers: 3,
      maxUnscoredSamples: 2_000_000,
    });
    expect(detectConfigSchema.safeParse({ workers: 0 }).success).toBe(false);
    expect(detectConfigSchema.safeParse({ maxUnscoredSamples: 10 }).success).toBe(false);
  });
});
