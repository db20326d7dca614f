import type { OtlpExportRequest, OtlpMetric, OtlpPart, OtlpScopeContext } from './model.js';

/** Splits a decoded request into parts of at most `maxPoints` data points (at least one part per metric that has points). */
export function* otlpParts(req: OtlpExportRequest, maxPoints: number): Generator<OtlpPart> {
  for (const rm of req.resourceMetrics) {
    for (const s of rm.scopes) {
      const scope: OtlpScopeContext = { resource: rm.resource, scopeName: s.scopeName, scopeVersion: s.scopeVersion };
      for (const metric of s.metrics) {
        if (metric.kind === 'empty' || metric.kind === 'exponential_histogram' || metric.points.length <= maxPoints) {
          yield { scope, metric };
          continue;
        }
        for (let i = 0; i < metric.points.length; i += maxPoints) {
          yield { scope, metric: withPoints(metric, metric.points.slice(i, i + maxPoints)) };
        }
      }
    }
  }
}

/** A copy of a metric that carries `points` instead of its own (of the same kind). */
function withPoints<M extends OtlpMetric & { points: unknown[] }>(metric: M, points: M['points']): M {
  return { ...metric, points };
}
