import type { FastifyInstance } from 'fastify';
import { VigilError } from '../../core/index.js';
import type { AnomalyLog } from '../anomaly-log.js';

function num(q: Record<string, unknown>, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new VigilError('BAD_REQUEST', `${name} must be a number`);
  return n;
}

/** `GET /api/v1/anomalies?since=&until=&host=&series=&min_score=&limit=` → `{ anomalies }`, newest first. */
export function registerAnomalyRoutes(app: FastifyInstance, deps: { log: AnomalyLog }): void {
  app.get('/api/v1/anomalies', { config: { auth: 'read' } }, async (req) => {
    const q = req.query as Record<string, unknown>;
    const host = typeof q.host === 'string' ? q.host : undefined;
    const series = typeof q.series === 'string' ? q.series : undefined;
    const since = num(q, 'since');
    const until = num(q, 'until');
    const minScore = num(q, 'min_score');
    const limit = num(q, 'limit');
    return {
      anomalies: deps.log.list(req.tenant, {
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(host !== undefined ? { host } : {}),
        ...(series !== undefined ? { series } : {}),
        ...(minScore !== undefined ? { minScore } : {}),
        ...(limit !== undefined ? { limit } : {}),
      }),
    };
  });
}
