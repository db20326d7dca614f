import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** What the health routes need. */
export interface HealthDeps {
  registry: Registry;
  /** True once every component has started and until shutdown begins. */
  ready: () => boolean;
}

/** `GET /healthz` (process alive), `GET /readyz` (accepting work), `GET /metrics` (Prometheus exposition). */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', { config: { auth: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: 'public' } }, async (_req, reply) => {
    if (deps.ready()) return { status: 'ready' };
    return reply.status(503).send({ error: { code: 'NOT_READY', message: 'server is starting or shutting down' } });
  });
  app.get('/metrics', { config: { auth: 'public' } }, async (_req, reply) => {
    const text = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(text);
  });
}
