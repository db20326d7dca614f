import type Database from 'better-sqlite3';
import type { MemSeries } from './head.js';
import type { StepQuery } from './interface.js';

/** Rollup resolutions in milliseconds. */
export type Resolution = 60_000 | 3_600_000;

/** Rollups: per-minute and per-hour min, max, sum, count, last (and counter increase) built as chunks seal. */
export class Rollups {
  constructor(private readonly db: Database.Database) {}

  /** Records the rollups of the first `k` head samples of `s`, which are being sealed. */
  add(_s: MemSeries, _k: number): void {}

  /** The coarsest resolution usable for a step, if any. */
  resolutionFor(_step: number): Resolution | undefined {
    return undefined;
  }

  /** Step aggregation from rollups. */
  aggregate(
    _s: MemSeries,
    _res: Resolution,
    _q: StepQuery,
    _raw: (start: number, end: number) => { ts: Float64Array; vs: Float64Array; n: number },
  ): { timestamps: number[]; values: number[] } {
    return { timestamps: [], values: [] };
  }

  /** One retention step. */
  retentionStep(_cut1m: number, _cut1h: number): { m1: number; h1: number } {
    void this.db;
    return { m1: 0, h1: 0 };
  }
}
