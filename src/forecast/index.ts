/** Forecasting and capacity: seasonal forecasts with intervals, time to exhaustion with bounds, the engine the server runs. */

export { crossingConfidence } from './alerting.js';
export { augursOffTheShelf, linearTrend, seasonalNaive } from './baselines.js';
export { type CapacityLimit, capacityLimitSchema, type ForecastConfig, forecastConfigSchema } from './config.js';
export { type CsvSeries, medianStep, parseSeriesCsv } from './csv.js';
export {
  type CapacityResource,
  type CapacityRow,
  capacitySummary,
  ForecastEngine,
  type ForecastEngineOptions,
  type ForecastResult,
} from './engine.js';
export {
  EVAL_HORIZONS,
  evaluateForecasts,
  type FileScores,
  type ForecastEvalOptions,
  type ForecastEvalResult,
  forecastMethodsForEval,
  type HorizonName,
  type MethodScore,
} from './eval.js';
export { type Exhaustion, type ExhaustionInput, type ExhaustionOptions, type ExhaustionStatus, estimateExhaustion } from './exhaustion.js';
export { DEFAULT_FORECASTER, type ForecasterOptions, forecastSeries, type SeriesForecast } from './forecaster.js';
export { type ForecastRouteDeps, registerForecastRoutes } from './routes.js';
export { type DetectedPeriod, detectSeasonality } from './seasonality.js';
export type { ForecastFn, ForecastInput, PointForecast } from './types.js';
export { forecastSeriesProvider } from './virtual-series.js';
