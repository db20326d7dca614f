import type { FastifyInstance } from 'fastify';
import type { DetectionEngine } from '../../detect/index.js';

/** `GET /api/v1/models`: every series' model of the caller's tenant, with its learning state. */
export function registerModelRoutes(app: FastifyInstance, deps: { detection: DetectionEngine }): void {
  app.get('/api/v1/models', { config: { auth: 'read' } }, async (req) => {
    const q = req.query as { host?: string; learning?: string };
    let models = await deps.detection.models(req.tenant);
    if (q.host !== undefined) models = models.filter((m) => m.labels.host === q.host);
    if (q.learning === 'true' || q.learning === 'false') models = models.filter((m) => m.learning === (q.learning === 'true'));
    return { models };
  });
}
