import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../core/index.js';
import { IngestPipeline, type IngestPipelineOptions } from '../../pipeline.js';
import type { IngestRouteDeps } from '../../route-deps.js';
import { MemoryStore } from './memory-store.js';

/** A Fastify app with one protocol's routes, a pipeline over a MemoryStore and a fixed tenant, for route tests. */
export interface TestIngestApp {
  app: FastifyInstance;
  store: MemoryStore;
  pipeline: IngestPipeline;
  registry: Registry;
}

/** Builds a TestIngestApp; `register` mounts the routes under test; the tenant comes from the `x-tenant` header or `default`. */
export async function buildTestApp(
  register: (app: FastifyInstance, deps: IngestRouteDeps) => void,
  opts: { bodyLimit?: number; maxSamplesPerRequest?: number; pipeline?: Partial<IngestPipelineOptions>; store?: MemoryStore } = {},
): Promise<TestIngestApp> {
  const store = opts.store ?? new MemoryStore();
  const registry = new Registry();
  const logger = silentLogger();
  const pipeline = new IngestPipeline({ storage: store, logger, registry, ...opts.pipeline });
  const app = Fastify({ logger: false });
  app.decorateRequest('tenant', 'default');
  app.addHook('onRequest', async (req) => {
    const t = req.headers['x-tenant'];
    req.tenant = typeof t === 'string' ? t : 'default';
  });
  register(app, {
    pipeline,
    logger,
    bodyLimit: opts.bodyLimit ?? 4 * 1024 * 1024,
    maxSamplesPerRequest: opts.maxSamplesPerRequest ?? 100_000,
  });
  await app.ready();
  return { app, store, pipeline, registry };
}
