import type Database from 'better-sqlite3';

/** Rows one retention step looks at, so a step stays short and never holds the event loop for long. */
const ROWS_PER_STEP = 500;

/**
 * Retention over one table of `(…, max_t, …)` rows, in small steps: each step scans the next few hundred rows
 * by rowid (wrapping around at the end) and deletes, in one transaction, those whose `max_t` is before the cut.
 */
export class RowExpiry {
  private cursor = 0;
  private readonly scan: Database.Statement;
  private readonly del: Database.Statement;

  /** `weight` is the SQL expression a deleted row counts for (a block counts its chunks). */
  constructor(
    private readonly db: Database.Database,
    table: string,
    weight = '1',
  ) {
    this.scan = db.prepare(`SELECT rowid AS id, max_t, ${weight} AS n FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ${ROWS_PER_STEP}`);
    this.del = db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
  }

  /** One step; returns the summed weight of the rows it deleted. */
  step(cut: number): number {
    const rows = this.scan.all(this.cursor) as { id: number; max_t: number; n: number }[];
    this.cursor = rows.length === 0 ? 0 : rows[rows.length - 1]!.id;
    const expired = rows.filter((r) => r.max_t < cut);
    if (expired.length === 0) return 0;
    this.db.transaction(() => {
      for (const r of expired) this.del.run(r.id);
    })();
    return expired.reduce((a, r) => a + r.n, 0);
  }
}
