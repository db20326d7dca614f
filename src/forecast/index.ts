/** Forecasting and capacity: seasonal forecasts with intervals, time to exhaustion with bounds, the engine the server runs. */
export { augursOffTheShelf, linearTrend, seasonalNaive } from './baselines.js';
export { medianStep, parseSeriesCsv, parseTimestamp, type CsvSeries } from './csv.js';
export {
  EVAL_HORIZONS,
  evaluateForecasts,
  forecastMethodsForEval,
  type FileScores,
  type ForecastEvalOptions,
  type ForecastEvalResult,
  type HorizonName,
  type MethodScore,
} from './eval.js';
export { estimateExhaustion, type Exhaustion, type ExhaustionInput, type ExhaustionOptions, type ExhaustionStatus } from './exhaustion.js';
export { DEFAULT_FORECASTER, forecastSeries, type ForecasterOptions, type SeriesForecast } from './forecaster.js';
export { detectSeasonality, type DetectedPeriod } from './seasonality.js';
export type { ForecastFn, ForecastInput, PointForecast } from './types.js';
export { crossingConfidence } from './alerting.js';
export { capacityLimitSchema, forecastConfigSchema, type CapacityLimit, type ForecastConfig } from './config.js';
export {
  ForecastEngine,
  capacitySummary,
  type CapacityResource,
  type CapacityRow,
  type ForecastEngineOptions,
  type ForecastResult,
} from './engine.js';
export { registerForecastRoutes, type ForecastRouteDeps } from './routes.js';
export { forecastSeriesProvider } from './virtual-series.js';
