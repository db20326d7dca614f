/** A regularly spaced history to forecast: values oldest first, `stepMs` apart, the last one at `endTime`. */
export interface ForecastInput {
  values: ArrayLike<number>;
  stepMs: number;
  /** Number of steps to forecast. */
  horizon: number;
  /** Timestamp of the last value (Unix ms); lets calendar seasonality line up. */
  endTime?: number;
}

/** Point forecasts for steps 1..horizon with an optional 80% prediction interval. */
export interface PointForecast {
  point: number[];
  lower?: number[];
  upper?: number[];
}

/** A forecasting method: the production forecaster or a baseline. */
export type ForecastFn = (input: ForecastInput) => PointForecast;
