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
  host: z.string().min(1).default('127.0.0.1').describe('Address the HTTP server listens on (`0.0.0.0` for every interface).'),
  port: port.default(9470).describe('HTTP port; 0 picks a free one.'),
  data: z.string().min(1).default('./vigil-data').describe('Data directory: the store, state databases, model state.'),
  mode: z
    .enum(['single', 'cluster'])
    .default('single')
    .describe('`single`: embedded store; `cluster`: NATS bus, PostgreSQL state, remote long-term store.'),
  agentKey: z.string().min(16).optional().describe('Agent key created on first start instead of a generated one (automation).'),
  adminPassword: z.string().min(8).optional().describe('Password of the user `admin` on first start instead of a generated one.'),
  localAgent: bool.default(true).describe('Monitor this machine with an agent started inside the server.'),
  publicUrl: z
    .string()
    .url()
    .optional()
    .describe('URL people use to reach the dashboard, for links in notifications; default http://host:port.'),
  bodyLimit: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024)
    .describe('Largest request body in bytes, compressed and after decompression.'),
  tlsCert: z.string().optional().describe('TLS certificate file (PEM); with `tlsKey`, the server speaks HTTPS.'),
  tlsKey: z.string().optional().describe('TLS private key file (PEM).'),
  shutdownTimeout: durationMs.default(10_000).describe('Longest graceful shutdown before the process exits anyway.'),
  rateLimit: z.coerce
    .number()
    .int()
    .min(1)
    .default(500)
    .describe('Requests per second each API key or user may make (bursts of twice that); more get 429 with Retry-After.'),
});

/** Logging settings. */
export const logSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Least severe log level written.'),
  pretty: bool.optional().describe('Human-readable logs; default: when the output is a terminal. JSON otherwise.'),
});

/** Embedded time-series store settings. */
export const storageSchema = z.object({
  outOfOrderWindow: durationMs
    .default(10 * 60_000)
    .describe("How far behind a series' newest sample a sample may arrive and still be stored; older ones are rejected as `too_old`."),
  retention: z
    .object({
      raw: durationMs.default(15 * 86_400_000).describe('How long raw samples are kept.'),
      '1m': durationMs.default(90 * 86_400_000).describe('How long 1-minute rollups are kept.'),
      '1h': durationMs.default(730 * 86_400_000).describe('How long 1-hour rollups are kept.'),
    })
    .prefault({}),
});

/** Ingest limits. */
export const ingestSchema = z.object({
  maxSamplesPerRequest: z.coerce.number().int().min(1).default(1_000_000).describe('Most samples one request may carry.'),
  maxLabels: z.coerce.number().int().min(1).default(40).describe('Most labels one series may have.'),
  maxLabelValueLength: z.coerce.number().int().min(1).default(2048).describe('Longest label value, in characters.'),
  maxQueuedSamples: z.coerce
    .number()
    .int()
    .min(1000)
    .default(4_000_000)
    .describe('Samples waiting for storage above which ingest answers 429 with Retry-After.'),
  decodeWorkers: z.coerce
    .number()
    .int()
    .min(0)
    .max(16)
    .optional()
    .describe('Threads that decode remote_write bodies off the main thread (default: 1 when the machine has 2 or more cores, else 0).'),
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
  /** Latency probes the agent runs: an HTTP(S) GET of a URL, or a TCP connect to host:port. */
  probes: z
    .array(
      z
        .object({
          type: z.enum(['http', 'tcp']),
          target: z.string().min(1),
          name: z.string().min(1).optional(),
          interval: durationMs.optional(),
          timeout: durationMs.optional(),
          insecure: bool.optional(),
        })
        .strict(),
    )
    .default([]),
});

/** One scrape job: Prometheus exposition targets Vigil pulls itself, like one entry of Prometheus' `scrape_configs`. */
export const scrapeJobSchema = z
  .object({
    /** Becomes the `job` label of every scraped series. */
    job: z.string().min(1),
    /** `host:port` of each target; becomes the `instance` label. */
    targets: z.array(z.string().min(1)).min(1),
    interval: durationMs.default(15_000),
    /** Defaults to 10s, or the interval when that is shorter (as Prometheus). */
    timeout: durationMs.optional(),
    path: z.string().startsWith('/').default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    /** Extra labels put on every series of the job. */
    labels: z.record(z.string(), z.string()).default({}),
    basicAuth: z.object({ username: z.string().min(1), password: z.string() }).optional(),
    bearerToken: z.string().min(1).optional(),
    /** Keep the target's own labels when they clash with `job`, `instance` or `labels` (otherwise they become `exported_*`). */
    honorLabels: bool.default(false),
    /** Use timestamps the target writes next to samples (otherwise the scrape time). */
    honorTimestamps: bool.default(true),
    /** Tenant the samples belong to. */
    tenant: z.string().min(1).default('default'),
  })
  .refine((j) => j.timeout === undefined || j.timeout <= j.interval, { message: 'timeout must not exceed interval', path: ['timeout'] })
  .refine((j) => j.basicAuth === undefined || j.bearerToken === undefined, {
    message: 'use either basicAuth or bearerToken, not both',
    path: ['bearerToken'],
  })
  .transform((j) => ({ ...j, timeout: j.timeout ?? Math.min(10_000, j.interval) }));

/** Targets Vigil scrapes (reloadable); see docs/ingest.md. */
export const scrapeSchema = z.object({
  jobs: z.array(scrapeJobSchema).default([]),
});

/** The whole configuration; every key documented in docs/configuration.md (generated from this schema). */
export const configSchema = z.object({
  server: serverSchema.prefault({}),
  log: logSchema.prefault({}),
  storage: storageSchema.prefault({}),
  ingest: ingestSchema.prefault({}),
  agent: agentSchema.prefault({}),
  scrape: scrapeSchema.prefault({}),
});

/** The validated, frozen configuration. */
export type Config = z.output<typeof configSchema>;
/** Raw configuration as written in YAML or assembled from flags and environment. */
export type ConfigInput = z.input<typeof configSchema>;
