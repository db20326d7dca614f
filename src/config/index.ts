import type { z } from 'zod';
import { alertingConfigSchema } from '../alerting/index.js';
import { configSchema } from '../core/index.js';
import { detectConfigSchema } from '../detect/index.js';
import { forecastConfigSchema } from '../forecast/index.js';

/**
 * The whole configuration file: the core sections (server, log, storage, ingest, agent, scrape) and every
 * part's own section (alerting, detect, forecast). Composed here, above the parts, so that no part's schema has to
 * import another's and core stays free of cycles.
 */
export const vigilConfigSchema = configSchema.extend({
  alerting: alertingConfigSchema.prefault({}),
  detect: detectConfigSchema.prefault({}),
  forecast: forecastConfigSchema.prefault({}),
});

/** The validated, frozen configuration of a server. */
export type VigilConfig = z.output<typeof vigilConfigSchema>;
/** The configuration as written in YAML or assembled from flags and environment. */
export type VigilConfigInput = z.input<typeof vigilConfigSchema>;
