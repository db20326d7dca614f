import type { FastifyInstance } from 'fastify';
import type { CapacityRow, ForecastEngine, ForecastResult } from './engine.js';

/** Dependencies of the forecast routes. */
export interface ForecastRouteDeps {
  engine: ForecastEngine;
}

/**
 * `GET /api/v1/forecasts?series=SELECTOR_OR_KEY` → `{ forecasts: ForecastResult[] }` (point and 80% interval
 * over the horizon, with time to exhaustion for capacity series); `GET /api/v1/capacity` → `{ capacity:
 * CapacityRow[] }` (every host × resource ranked by time to exhaustion, with bounds). Both require `read`
 * and see only the caller's tenant. A bad selector answers 400 BAD_QUERY.
 */
export function registerForecastRoutes(app: FastifyInstance, deps: { engine: ForecastEngine }): void {
  app.get<{ Querystring: { series?: string } }>(
    '/api/v1/forecasts',
    { config: { auth: 'read' } },
    async (req): Promise<{ forecasts: ForecastResult[] }> => {
      const series = typeof req.query.series === 'string' ? req.query.series : undefined;
      return { forecasts: deps.engine.forecasts(req.tenant, series) };
    },
  );
  app.get('/api/v1/capacity', { config: { auth: 'read' } }, async (req): Promise<{ capacity: CapacityRow[] }> => {
    return { capacity: deps.engine.capacity(req.tenant) };
  });
}
