import { z } from 'zod';
import { parseDuration } from './duration.js';

/** A duration given as `5s`/`1h30m`/a number of seconds; parsed to milliseconds. */
export const durationMs = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
  if (ms === null || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 5s, 10m, 2h, 15d' });
    return z.NEVER;
  }
  return ms;
});

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** Server settings (restart-only). */
export const serverSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(9470),
  data: z.string().min(1).default('./vigil-data'),
  mode: z.enum(['single', 'cluster']).default('single'),
  /** Agent key pre-seeded on first start. */
  agentKey: z.string().min(16).optional(),
  /** Password of the user `admin` pre-seeded on first start. */
  adminPassword: z.string().min(8).optional(),
  /** Start a local agent monitoring this machine inside the server process. */
  localAgent: bool.default(true),
  /** URL people use to reach the dashboard (links in notifications); defaults to http://host:port. */
  publicUrl: z.string().url().optional(),
  /** Largest request body accepted, in bytes (after decompression for compressed bodies). */
  bodyLimit: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  shutdownTimeout: durationMs.default(10_000),
});

/** Logging settings. */
export const logSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  pretty: bool.optional(),
});

/** Embedded time-series store settings. */
export const storageSchema = z.object({
  /** How far behind a series' newest sample a sample may arrive and still be stored. */
  outOfOrderWindow: durationMs.default(10 * 60_000),
  retention: z
    .object({
      raw: durationMs.default(15 * 86_400_000),
      '1m': durationMs.default(90 * 86_400_000),
      '1h': durationMs.default(730 * 86_400_000),
    })
    .prefault({}),
});

/** Ingest limits. */
export const ingestSchema = z.object({
  maxSamplesPerRequest: z.coerce.number().int().min(1).default(1_000_000),
  maxLabels: z.coerce.number().int().min(1).default(40),
  maxLabelValueLength: z.coerce.number().int().min(1).default(2048),
  /** Samples waiting for storage before ingest answers 429. */
  maxQueuedSamples: z.coerce.number().int().min(1000).default(4_000_000),
});

/** Agent settings (the agent reads only this section and `log`). */
export const agentSchema = z.object({
  server: z.string().url().optional(),
  key: z.string().optional(),
  interval: durationMs.default(5000),
  labels: z.record(z.string(), z.string()).default({}),
  spool: z.string().optional(),
  spoolMaxBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024 * 1024),
  caFile: z.string().optional(),
  once: bool.default(false),
});

/** The whole configuration; every key documented in docs/configuration.md (generated from this schema). */
export const configSchema = z.object({
  server: serverSchema.prefault({}),
  log: logSchema.prefault({}),
  storage: storageSchema.prefault({}),
  ingest: ingestSchema.prefault({}),
  agent: agentSchema.prefault({}),
});

/** The validated, frozen configuration. */
export type Config = z.output<typeof configSchema>;
/** Raw configuration as written in YAML or assembled from flags and environment. */
export type ConfigInput = z.input<typeof configSchema>;
