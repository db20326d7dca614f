import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Detection workers by default: one, or one per core beyond the two the main thread and the decode worker use (at most 8). */
export function defaultDetectionWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 2));
}

/**
 * The `detect:` section of the config file. Example:
 * ```yaml
 * detect:
 *   workers: 2
 *   maxUnscoredSamples: 1000000
 * ```
 */
export const detectConfigSchema = z.object({
  workers: z.coerce
    .number()
    .int()
    .min(1)
    .max(32)
    .optional()
    .describe('Detection worker threads; series are shared among them by host (default: 1, or one per core beyond two, at most 8).'),
  maxUnscoredSamples: z.coerce
    .number()
    .int()
    .min(1000)
    .default(500_000)
    .describe(
      'Samples waiting to be scored above which ingest answers 429 (503 on remote_write) with Retry-After, so every stored sample is scored.',
    ),
});

/** The validated `detect:` section. */
export type DetectConfig = z.output<typeof detectConfigSchema>;
