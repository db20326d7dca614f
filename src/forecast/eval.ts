import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { augursOffTheShelf, linearTrend, seasonalNaive } from './baselines.js';
import { medianStep, parseSeriesCsv } from './csv.js';
import { type ForecasterOptions, forecastSeries } from './forecaster.js';
import { fillGaps, meanAbsDiff } from './stats.js';
import type { ForecastFn } from './types.js';

/** The evaluated horizons, by name, in wall-clock time. */
export const EVAL_HORIZONS = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;

/** A horizon name: `1h`, `6h` or `24h`. */
export type HorizonName = keyof typeof EVAL_HORIZONS;

/** Options of a rolling-origin evaluation. */
export interface ForecastEvalOptions {
  /** Directory searched recursively for `timestamp,value` CSV files. */
  dataDir: string;
  /** Methods to compare, by name; the first one is "ours". */
  methods: Record<string, ForecastFn>;
  /** Origins per file (default 8). */
  origins?: number;
  /** Fraction of each file, at its end, over which the origins are spread (default 0.4). */
  tailFraction?: number;
  /** Called after each origin with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Only files whose path (relative to dataDir) contains this string. */
  filter?: string;
}

/** Scores of one method at one horizon. */
export interface MethodScore {
  mase: number;
  /** Fraction of actuals inside the 80% interval; null when the method gives no interval. */
  coverage80: number | null;
}

/** Scores per file, method and horizon. */
export interface FileScores {
  file: string;
  stepMs: number;
  steps: Record<HorizonName, number>;
  scores: Record<string, Record<HorizonName, MethodScore>>;
}

/** Result of a rolling-origin evaluation: per-file scores and their means. */
export interface ForecastEvalResult {
  files: FileScores[];
  /** Mean over every (file, origin) pair. */
  mean: Record<string, Record<HorizonName, MethodScore>>;
  origins: number;
}

/** The methods `vigil eval forecast` compares: the production forecaster (`ours`, defaults unless overridden) and the three baselines. */
export function forecastMethodsForEval(ours: ForecasterOptions = {}): Record<string, ForecastFn> {
  return { ours: (input) => forecastSeries(input, ours), augurs: augursOffTheShelf, seasonal_naive: seasonalNaive, linear: linearTrend };
}

/** Lists the CSV files under `dir`, sorted, as absolute paths. */
export function listCsvFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.csv')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const HORIZON_NAMES = Object.keys(EVAL_HORIZONS) as HorizonName[];

/**
 * Rolling-origin evaluation: for each file, `origins` forecast origins spread evenly over its last
 * `tailFraction` (an origin too close to the end for the longest horizon moves back); at each origin every method sees
 * the history before it and forecasts the longest horizon; MASE at horizon H is the mean absolute
 * error over steps 1..H divided by the history's mean absolute one-step change.
 */
export function evaluateForecasts(opts: ForecastEvalOptions): ForecastEvalResult {
  const originsPerFile = opts.origins ?? 8;
  const tail = opts.tailFraction ?? 0.4;
  const methodNames = Object.keys(opts.methods);
  const files = listCsvFiles(opts.dataDir).filter((f) => opts.filter === undefined || relative(opts.dataDir, f).includes(opts.filter));
  const total = files.length * originsPerFile;
  let done = 0;
  const sums: Record<string, Record<HorizonName, { mase: number; cov: number; covN: number; n: number }>> = {};
  for (const m of methodNames) sums[m] = blank(() => ({ mase: 0, cov: 0, covN: 0, n: 0 }));
  const perFile: FileScores[] = [];
  for (const file of files) {
    const csv = parseSeriesCsv(readFileSync(file, 'utf8'), file);
    const y = fillGaps(csv.values);
    const stepMs = medianStep(csv.timestamps);
    const steps = blank((h) => Math.max(1, Math.round(EVAL_HORIZONS[h] / stepMs)));
    const hMax = steps['24h'];
    const n = y.length;
    const first = n - Math.floor(tail * n);
    const last = n - hMax;
    const fileSums: Record<string, Record<HorizonName, { mase: number; cov: number; covN: number; n: number }>> = {};
    for (const m of methodNames) fileSums[m] = blank(() => ({ mase: 0, cov: 0, covN: 0, n: 0 }));
    for (let k = 0; k < originsPerFile; k++) {
      // origins every tail/origins steps from the start of the tail, moved back when the longest horizon would run past the end
      const origin = Math.min(last, first + Math.floor((k * (n - first)) / originsPerFile));
      const history = y.subarray(0, origin);
      const scale = meanAbsDiff(history);
      const endTime = csv.timestamps[origin - 1] as number;
      for (const m of methodNames) {
        const f = (opts.methods[m] as ForecastFn)({ values: history, stepMs, horizon: hMax, endTime });
        for (const h of HORIZON_NAMES) {
          const H = steps[h];
          let err = 0;
          let inside = 0;
          for (let i = 0; i < H; i++) {
            const a = y[origin + i] as number;
            const p = f.point[i] as number;
            err += Math.abs(a - p);
            if (f.lower && f.upper && a >= (f.lower[i] as number) && a <= (f.upper[i] as number)) inside++;
          }
          const mase = scale > 0 ? err / H / scale : err === 0 ? 0 : Number.NaN;
          for (const acc of [(sums[m] as Record<HorizonName, Acc>)[h], (fileSums[m] as Record<HorizonName, Acc>)[h]]) {
            if (Number.isFinite(mase)) {
              acc.mase += mase;
              acc.n++;
            }
            if (f.lower && f.upper) {
              acc.cov += inside / H;
              acc.covN++;
            }
          }
        }
      }
      done++;
      opts.onProgress?.(done, total);
    }
    const scores: Record<string, Record<HorizonName, MethodScore>> = {};
    for (const m of methodNames) scores[m] = finish(fileSums[m] as Record<HorizonName, Acc>);
    perFile.push({ file: relative(opts.dataDir, file), stepMs, steps, scores });
  }
  const mean: Record<string, Record<HorizonName, MethodScore>> = {};
  for (const m of methodNames) mean[m] = finish(sums[m] as Record<HorizonName, Acc>);
  return { files: perFile, mean, origins: originsPerFile };
}

interface Acc {
  mase: number;
  cov: number;
  covN: number;
  n: number;
}

function blank<T>(make: (h: HorizonName) => T): Record<HorizonName, T> {
  return { '1h': make('1h'), '6h': make('6h'), '24h': make('24h') };
}

function finish(acc: Record<HorizonName, Acc>): Record<HorizonName, MethodScore> {
  return blank((h) => ({
    mase: acc[h].n ? acc[h].mase / acc[h].n : Number.NaN,
    coverage80: acc[h].covN ? acc[h].cov / acc[h].covN : null,
  }));
}
