import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ets from '@bsull/augurs/ets';
import * as mstl from '@bsull/augurs/mstl';
import * as seasons from '@bsull/augurs/seasons';

let ready = false;

/** Initialises augurs' MSTL and seasonality WASM modules synchronously, once per thread. */
export function initAugurs(): void {
  if (ready) return;
  const dir = dirname(createRequire(import.meta.url).resolve('@bsull/augurs/mstl'));
  mstl.initSync({ module: readFileSync(join(dir, 'mstl_bg.wasm')) });
  ets.initSync({ module: readFileSync(join(dir, 'ets_bg.wasm')) });
  seasons.initSync({ module: readFileSync(join(dir, 'seasons_bg.wasm')) });
  ready = true;
}

/** A point forecast with an optional interval, as returned by augurs. */
export interface AugursForecast {
  point: number[];
  lower?: number[];
  upper?: number[];
}

/** Fits augurs' MSTL with an AutoETS trend on `y` and predicts `horizon` steps with intervals at `level`. */
export function mstlEtsForecast(y: ArrayLike<number>, periods: readonly number[], horizon: number, level = 0.8): AugursForecast {
  initAugurs();
  const model = mstl.MSTL.ets(Uint32Array.from(periods));
  try {
    model.fit(Float64Array.from(y));
    const f = model.predict(horizon, level);
    return f.intervals ? { point: f.point, lower: f.intervals.lower, upper: f.intervals.upper } : { point: f.point };
  } finally {
    model.free();
  }
}

/** Fits augurs' AutoETS without seasonality (`spec` such as `ZZN`) and predicts `horizon` steps with intervals at `level`. */
export function etsForecast(y: ArrayLike<number>, horizon: number, level = 0.8, spec = 'ZZN'): AugursForecast {
  initAugurs();
  const model = new ets.AutoETS(1, spec);
  try {
    model.fit(Float64Array.from(y));
    const f = model.predict(horizon, level);
    return f.intervals ? { point: f.point, lower: f.intervals.lower, upper: f.intervals.upper } : { point: f.point };
  } finally {
    model.free();
  }
}

/** Candidate seasonal periods found by augurs' periodogram, strongest first. */
export function detectPeriods(y: ArrayLike<number>, minPeriod = 4, maxPeriod?: number): number[] {
  initAugurs();
  return Array.from(seasons.seasonalities(Float64Array.from(y), { minPeriod, maxPeriod: maxPeriod ?? undefined, threshold: undefined }));
}
