/** The Prometheus-compatible query API: PromQL parsing (Prometheus' own lezer grammar), evaluation over a Querier, HTTP routes. */
export type { Expr, ValueType } from './ast.js';
export { type EngineOptions, type InstantSample, PromQLEngine, type QueryResult, type RangeSeries } from './engine.js';
export { PROMETHEUS_COMPAT_VERSION, type PromApiDeps, registerPromApiRoutes, resultToJson } from './http.js';
export { FUNCTIONS, parseQuery } from './parse.js';
export { formatValue, isStaleNaN, STALE_NAN } from './values.js';
export { type VirtualSeriesProvider, withVirtualSeries } from './virtual-series.js';
