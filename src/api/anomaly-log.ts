import Database from 'better-sqlite3';
import { type Anomaly, jsonFloatReplacer, jsonFloatReviver } from '../core/index.js';

/** Filters for listing anomalies. */
export interface AnomalyQuery {
  since?: number;
  until?: number;
  host?: string;
  series?: string;
  minScore?: number;
  limit?: number;
}

/**
 * Every alert-level anomaly detection emitted, kept in `<data>/vigil.db` for the API, the dashboard's markers
 * and incident history; trimmed to `retentionMs`.
 */
export class AnomalyLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private pending: Anomaly[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    file: string,
    private readonly retentionMs = 90 * 86_400_000,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS anomalies (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, t INTEGER NOT NULL,
      series TEXT NOT NULL, host TEXT, score REAL NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS anomalies_tenant_t ON anomalies (tenant, t);`);
    this.insert = this.db.prepare('INSERT INTO anomalies (tenant, t, series, host, score, body) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** Queues an anomaly; written in small batches so a storm does not cost one transaction each. */
  add(a: Anomaly): void {
    this.pending.push(a);
    this.timer ??= setTimeout(() => this.flush(), 200);
  }

  /** Writes queued anomalies and trims old ones. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.db.transaction(() => {
      for (const a of batch) this.insert.run(a.tenant, a.t, a.series, a.labels.host ?? null, a.score, JSON.stringify(a, jsonFloatReplacer));
    })();
    this.db.prepare('DELETE FROM anomalies WHERE t < ?').run(Date.now() - this.retentionMs);
  }

  /** Anomalies of a tenant, newest first. */
  list(tenant: string, q: AnomalyQuery = {}): Anomaly[] {
    this.flush();
    const where = ['tenant = ?'];
    const args: unknown[] = [tenant];
    if (q.since !== undefined) where.push('t >= ?') && args.push(q.since);
    if (q.until !== undefined) where.push('t <= ?') && args.push(q.until);
    if (q.host !== undefined) where.push('host = ?') && args.push(q.host);
    if (q.series !== undefined) where.push('series = ?') && args.push(q.series);
    if (q.minScore !== undefined) where.push('score >= ?') && args.push(q.minScore);
    args.push(Math.min(q.limit ?? 1000, 10_000));
    const rows = this.db.prepare(`SELECT body FROM anomalies WHERE ${where.join(' AND ')} ORDER BY t DESC LIMIT ?`).all(...args) as {
      body: string;
    }[];
    return rows.map((r) => JSON.parse(r.body, jsonFloatReviver) as Anomaly);
  }

  /** Flushes and closes. */
  close(): void {
    this.flush();
    this.db.close();
  }
}
