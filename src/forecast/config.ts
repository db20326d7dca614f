import { z } from 'zod';
import { durationMs, parseSelector } from '../core/index.js';

/** A series that is not a known capacity series but has a limit, e.g. a queue that must stay under 1M items. */
export const capacityLimitSchema = z.object({
  /** PromQL series selector, e.g. `queue_depth{job="ingest"}`; every matching series gets this limit. */
  selector: z.string().superRefine((s, ctx) => {
    try {
      parseSelector(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
    }
  }),
  /** The value at which the resource is exhausted, in the series' unit. */
  limit: z.number().finite(),
  /** Resource name shown in the capacity table (default: the metric name). */
  resource: z.string().min(1).optional(),
});

/**
 * The `forecast:` section of the config file. Example:
 * ```yaml
 * forecast:
 *   interval: 5m
 *   horizon: 7d
 *   limits:
 *     - selector: 'queue_depth{job="ingest"}'
 *       limit: 1000000
 * ```
 */
export const forecastConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** How often every capacity series is forecast again. */
  interval: durationMs.default(5 * 60_000),
  /** How far ahead forecasts reach (at most 7 days). */
  horizon: durationMs.default(7 * 86_400_000).refine((v) => v > 0 && v <= 7 * 86_400_000, 'expected at most 7d'),
  /** How much history each forecast reads. */
  history: durationMs.default(14 * 86_400_000),
  /** Most points per series given to the model; longer histories are downsampled. */
  maxPoints: z.coerce.number().int().min(64).max(20_000).default(2016),
  /** Series with a configured limit, in addition to disk, inodes, memory and swap. */
  limits: z.array(capacityLimitSchema).default([]),
});

/** The validated `forecast:` config section. */
export type ForecastConfig = z.output<typeof forecastConfigSchema>;
/** A configured capacity limit. */
export type CapacityLimit = z.output<typeof capacityLimitSchema>;
