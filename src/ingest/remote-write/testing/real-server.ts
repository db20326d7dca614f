import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../core/index.js';
import { openStorage, type Storage } from '../../../tsdb/index.js';
import { IngestPipeline } from '../../pipeline.js';
import type { IngestRouteDeps } from '../../route-deps.js';

/** An ingest server on a real loopback port over the real embedded store, for tests against real peers. */
export interface RealIngestServer {
  url: string;
  app: FastifyInstance;
  storage: Storage;
  pipeline: IngestPipeline;
  /** Closes the server and the store and deletes the data directory. */
  close(): Promise<void>;
}

/** Starts Fastify with the given protocol routes, an IngestPipeline and `openStorage` in a temp dir; every request is tenant `default`. */
export async function startRealIngestServer(
  register: ((app: FastifyInstance, deps: IngestRouteDeps) => void)[],
): Promise<RealIngestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
  const logger = silentLogger();
  const registry = new Registry();
  const storage = await openStorage({ dir, logger, registry });
  const pipeline = new IngestPipeline({ storage, logger, registry });
  const app = Fastify({ logger: false });
  app.decorateRequest('tenant', 'default');
  app.addHook('onRequest', async (req) => {
    req.tenant = 'default';
  });
  for (const r of register) r(app, { pipeline, logger, bodyLimit: 32 * 1024 * 1024, maxSamplesPerRequest: 1_000_000 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    storage,
    pipeline,
    async close() {
      await app.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
