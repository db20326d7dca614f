import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Alert, Incident } from './types.js';

/** Kinds of objects people create through the API (config-file objects are not stored). */
export type ObjectKind = 'rule' | 'channel' | 'silence' | 'maintenance';

/** A row of the outbox. */
export interface OutboxRow {
  id: string;
  tenant: string;
  channel: string;
  incidentId: string;
  kind: string;
  payload: string;
  createdAt: number;
  nextAt: number;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  lastError: string | null;
  deliveredAt: number | null;
}

interface RawOutboxRow {
  id: string;
  tenant: string;
  channel: string;
  incident_id: string;
  kind: string;
  payload: string;
  created_at: number;
  next_at: number;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  last_error: string | null;
  delivered_at: number | null;
}

function toOutboxRow(r: RawOutboxRow): OutboxRow {
  return {
    id: r.id,
    tenant: r.tenant,
    channel: r.channel,
    incidentId: r.incident_id,
    kind: r.kind,
    payload: r.payload,
    createdAt: r.created_at,
    nextAt: r.next_at,
    attempts: r.attempts,
    status: r.status,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
  };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, channel TEXT NOT NULL, incident_id TEXT NOT NULL, kind TEXT NOT NULL,
  payload TEXT NOT NULL, created_at INTEGER NOT NULL, next_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending', last_error TEXT, delivered_at INTEGER);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_at);
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts(tenant, state);
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, status TEXT NOT NULL, started_at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS incidents_tenant ON incidents(tenant, started_at);
CREATE INDEX IF NOT EXISTS incidents_open ON incidents(status);
CREATE TABLE IF NOT EXISTS objects (
  tenant TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, kind, id)) WITHOUT ROWID;
`;

/**
 * The alerting database: one SQLite file (`<dataDir>/alerting.db`, WAL) holding the outbox, alerts, incidents and
 * objects created through the API. Synchronous (better-sqlite3), used from the main thread only; every write
 * is committed when the call returns.
 */
export class AlertingStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly st: Record<string, Database.Statement>;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'alerting.db');
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL survives a process crash (kill -9); outbox writes use durableTransaction (FULL) to survive power loss too.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.st = {
      insertOutbox: this.db.prepare(
        'INSERT INTO outbox (id, tenant, channel, incident_id, kind, payload, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      dueOutbox: this.db.prepare("SELECT * FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, created_at LIMIT ?"),
      nextDue: this.db.prepare("SELECT MIN(next_at) AS t FROM outbox WHERE status = 'pending'"),
      beginAttempt: this.db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ? RETURNING attempts'),
      delivered: this.db.prepare("UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL WHERE id = ?"),
      retry: this.db.prepare('UPDATE outbox SET next_at = ?, last_error = ? WHERE id = ?'),
      failed: this.db.prepare("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?"),
      countOutbox: this.db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status'),
      listOutbox: this.db.prepare('SELECT * FROM outbox WHERE tenant = ? ORDER BY created_at DESC LIMIT ?'),
      channelStats: this.db.prepare(
        'SELECT channel, status, COUNT(*) AS n, MAX(created_at) AS last FROM outbox WHERE tenant = ? GROUP BY channel, status',
      ),
      channelLastError: this.db.prepare(
        'SELECT channel, last_error FROM outbox WHERE tenant = ? AND last_error IS NOT NULL ORDER BY created_at DESC LIMIT 200',
      ),
      pruneIncidents: this.db.prepare("DELETE FROM incidents WHERE status = 'resolved' AND started_at < ?"),
      pruneOutbox: this.db.prepare("DELETE FROM outbox WHERE status != 'pending' AND created_at < ?"),
      putAlert: this.db.prepare(
        'INSERT INTO alerts (id, tenant, state, updated_at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, data = excluded.data',
      ),
      activeAlerts: this.db.prepare("SELECT data FROM alerts WHERE state != 'resolved'"),
      getAlert: this.db.prepare('SELECT data FROM alerts WHERE id = ?'),
      listAlerts: this.db.prepare('SELECT data FROM alerts WHERE tenant = ? ORDER BY updated_at DESC LIMIT ?'),
      listAlertsState: this.db.prepare('SELECT data FROM alerts WHERE tenant = ? AND state = ? ORDER BY updated_at DESC LIMIT ?'),
      alertsSince: this.db.prepare('SELECT data FROM alerts WHERE tenant = ? AND updated_at >= ?'),
      pruneAlerts: this.db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND updated_at < ?"),
      putIncident: this.db.prepare(
        'INSERT INTO incidents (id, tenant, status, started_at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data',
      ),
      openIncidents: this.db.prepare("SELECT data FROM incidents WHERE status = 'open'"),
      recentResolved: this.db.prepare("SELECT data FROM incidents WHERE status = 'resolved' AND started_at >= ?"),
      getIncident: this.db.prepare('SELECT data FROM incidents WHERE id = ? AND tenant = ?'),
      listIncidents: this.db.prepare('SELECT data FROM incidents WHERE tenant = ? AND started_at < ? ORDER BY started_at DESC LIMIT ?'),
      listIncidentsStatus: this.db.prepare(
        'SELECT data FROM incidents WHERE tenant = ? AND status = ? AND started_at < ? ORDER BY started_at DESC LIMIT ?',
      ),
      putObject: this.db.prepare(
        'INSERT INTO objects (tenant, kind, id, data) VALUES (?, ?, ?, ?) ON CONFLICT(tenant, kind, id) DO UPDATE SET data = excluded.data',
      ),
      deleteObject: this.db.prepare('DELETE FROM objects WHERE tenant = ? AND kind = ? AND id = ?'),
      allObjects: this.db.prepare('SELECT tenant, kind, id, data FROM objects'),
    };
  }

  /** Runs `fn` in one transaction: every write inside commits together or not at all. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Like `transaction`, but the commit is fsynced (synchronous = FULL): used when notifications are written. */
  durableTransaction<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Records a notification to send (call inside the transaction that decided to send it). */
  insertOutbox(row: Pick<OutboxRow, 'id' | 'tenant' | 'channel' | 'incidentId' | 'kind' | 'payload' | 'createdAt' | 'nextAt'>): void {
    this.st.insertOutbox!.run(row.id, row.tenant, row.channel, row.incidentId, row.kind, row.payload, row.createdAt, row.nextAt);
  }

  /** Pending notifications due at `now`, oldest first. */
  dueOutbox(now: number, limit: number): OutboxRow[] {
    return (this.st.dueOutbox!.all(now, limit) as RawOutboxRow[]).map(toOutboxRow);
  }

  /** Earliest due time of a pending notification, or null. */
  nextDue(): number | null {
    return (this.st.nextDue!.get() as { t: number | null }).t;
  }

  /** Counts and commits one more attempt before it is made, returning its number (so a crash never reuses an attempt id). */
  beginAttempt(id: string): number {
    return (this.st.beginAttempt!.get(id) as { attempts: number }).attempts;
  }

  /** Marks a notification delivered. */
  markDelivered(id: string, at: number): void {
    this.st.delivered!.run(at, id);
  }

  /** Schedules the next attempt. */
  markRetry(id: string, nextAt: number, error: string): void {
    this.st.retry!.run(nextAt, error, id);
  }

  /** Gives a notification up. */
  markFailed(id: string, error: string): void {
    this.st.failed!.run(error, id);
  }

  /** Outbox rows per status. */
  outboxCounts(): Record<string, number> {
    const out: Record<string, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of this.st.countOutbox!.all() as Array<{ status: string; n: number }>) out[r.status] = r.n;
    return out;
  }

  /** Delivery counts per channel of a tenant (pending, delivered, failed) and the newest error, for the channels API. */
  channelStats(tenant: string): Map<string, { pending: number; delivered: number; failed: number; lastError: string | null }> {
    const out = new Map<string, { pending: number; delivered: number; failed: number; lastError: string | null }>();
    const get = (c: string) => {
      let v = out.get(c);
      if (v === undefined) {
        v = { pending: 0, delivered: 0, failed: 0, lastError: null };
        out.set(c, v);
      }
      return v;
    };
    for (const r of this.st.channelStats!.all(tenant) as Array<{
      channel: string;
      status: 'pending' | 'delivered' | 'failed';
      n: number;
    }>) {
      get(r.channel)[r.status] = r.n;
    }
    for (const r of this.st.channelLastError!.all(tenant) as Array<{ channel: string; last_error: string }>) {
      const v = get(r.channel);
      v.lastError ??= r.last_error;
    }
    return out;
  }

  /** Newest outbox rows of a tenant. */
  listOutbox(tenant: string, limit: number): OutboxRow[] {
    return (this.st.listOutbox!.all(tenant, limit) as RawOutboxRow[]).map(toOutboxRow);
  }

  /** Saves an alert. */
  putAlert(a: Alert, now: number): void {
    this.st.putAlert!.run(a.id, a.tenant, a.state, now, JSON.stringify(a));
  }

  /** Every pending or firing alert of every tenant. */
  activeAlerts(): Alert[] {
    return (this.st.activeAlerts!.all() as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Alert);
  }

  /** One alert by id. */
  getAlert(id: string): Alert | null {
    const r = this.st.getAlert!.get(id) as { data: string } | undefined;
    return r === undefined ? null : (JSON.parse(r.data) as Alert);
  }

  /** Newest alerts of a tenant, optionally of one state. */
  listAlerts(tenant: string, state: string | undefined, limit: number): Alert[] {
    const rows = state === undefined ? this.st.listAlerts!.all(tenant, limit) : this.st.listAlertsState!.all(tenant, state, limit);
    return (rows as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Alert);
  }

  /** Alerts of a tenant changed since `t`. */
  alertsSince(tenant: string, t: number): Alert[] {
    return (this.st.alertsSince!.all(tenant, t) as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Alert);
  }

  /** Saves an incident. */
  putIncident(i: Incident): void {
    this.st.putIncident!.run(i.id, i.tenant, i.status, i.startedAt, JSON.stringify(i));
  }

  /** Every open incident of every tenant. */
  openIncidents(): Incident[] {
    return (this.st.openIncidents!.all() as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Incident);
  }

  /** Resolved incidents of every tenant started since `t` (to finish sending their resolution after a restart). */
  recentResolvedIncidents(t: number): Incident[] {
    return (this.st.recentResolved!.all(t) as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Incident);
  }

  /** One incident of a tenant. */
  getIncident(tenant: string, id: string): Incident | null {
    const r = this.st.getIncident!.get(id, tenant) as { data: string } | undefined;
    return r === undefined ? null : (JSON.parse(r.data) as Incident);
  }

  /** Incidents of a tenant started before `before`, newest first. */
  listIncidents(tenant: string, status: string | undefined, before: number, limit: number): Incident[] {
    const rows =
      status === undefined
        ? this.st.listIncidents!.all(tenant, before, limit)
        : this.st.listIncidentsStatus!.all(tenant, status, before, limit);
    return (rows as Array<{ data: string }>).map((r) => JSON.parse(r.data) as Incident);
  }

  /** Saves an object created through the API. */
  putObject(tenant: string, kind: ObjectKind, id: string, data: unknown): void {
    this.st.putObject!.run(tenant, kind, id, JSON.stringify(data));
  }

  /** Deletes an object created through the API; true when it existed. */
  deleteObject(tenant: string, kind: ObjectKind, id: string): boolean {
    return this.st.deleteObject!.run(tenant, kind, id).changes > 0;
  }

  /** Every object created through the API. */
  allObjects(): Array<{ tenant: string; kind: ObjectKind; id: string; data: unknown }> {
    return (this.st.allObjects!.all() as Array<{ tenant: string; kind: ObjectKind; id: string; data: string }>).map((r) => ({
      ...r,
      data: JSON.parse(r.data) as unknown,
    }));
  }

  /** Drops delivered/failed notifications and resolved alerts older than `before`, resolved incidents older than `incidentsBefore`. */
  prune(before: number, incidentsBefore: number): void {
    this.st.pruneOutbox!.run(before);
    this.st.pruneAlerts!.run(before);
    this.st.pruneIncidents!.run(incidentsBefore);
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
