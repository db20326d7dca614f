import { type Labels, seriesKey } from '../core/index.js';
import type { HostCsvRow } from './host-columns.js';
import type { WorkItem } from './protocol.js';
import { DetectionShard } from './shard.js';

/** Host label given to every column of a replayed host. */
const HOST = 'host';
const TENANT = 'default';
/** History rows per training batch. */
const TRAIN_CHUNK = 1000;

/**
 * Replays one host's rows through a detection shard — the code that runs in the engine's workers, with the
 * production defaults — as `vigil detect --host` does: `train` warms the models on history, `score` scores one row
 * and returns its host score (per-series and multivariate evidence together). Every column is a feature of the
 * host model (`every-series` mode), since the columns are the user's choice.
 */
export class HostReplay {
  private readonly shard = new DetectionShard({ hostFeatures: 'every-series' });
  private readonly labels: Labels[];
  private readonly keys: string[];

  constructor(columns: readonly Labels[]) {
    this.labels = columns.map((c) => ({ ...c, host: HOST }));
    this.keys = this.labels.map(seriesKey);
  }

  /** Learns from history rows (time order) without scoring them, in chunks as the engine's warm start sends them. */
  train(rows: readonly HostCsvRow[]): void {
    for (let from = 0; from < rows.length; from += TRAIN_CHUNK) {
      const chunk = rows.slice(from, from + TRAIN_CHUNK);
      const items: WorkItem[] = this.labels.map((labels, k) => ({
        series: this.keys[k] as string,
        labels,
        timestamps: chunk.map((r) => r.t),
        values: chunk.map((r) => r.values[k] as number),
      }));
      this.shard.train(TENANT, items);
    }
  }

  /** Scores one row; 0 when it forms no host row (a timestamp not after the previous row's). */
  score(row: HostCsvRow): number {
    const items: WorkItem[] = this.labels.map((labels, k) => ({
      series: this.keys[k] as string,
      labels,
      timestamps: [row.t],
      values: [row.values[k] as number],
    }));
    const r = this.shard.push(TENANT, items, { closeRows: true });
    return r.hosts[0]?.scores.at(-1) ?? 0;
  }

  /** The host model's learning state, e.g. "ready" or "learning: 2 h of 24 h". */
  learning(): string {
    return this.shard.hostList(TENANT)[0]?.text ?? 'no rows';
  }
}
