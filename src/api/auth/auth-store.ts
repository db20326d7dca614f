import Database from 'better-sqlite3';
import { DEFAULT_TENANT, type Principal, type Role, VigilError } from '../../core/index.js';
import { hashPassword, hashToken, newPassword, newSecret, verifyPassword } from './secrets.js';

/** A user as listed by the API (never with its password hash). */
export interface UserInfo {
  id: number;
  tenant: string;
  name: string;
  role: Exclude<Role, 'agent'>;
  createdAt: number;
}

/** An API key as listed by the API: the secret itself is shown once, at creation, and never stored. */
export interface KeyInfo {
  id: number;
  tenant: string;
  name: string;
  /** `agent`: write-only ingest key; otherwise a personal token acting with its user's role. */
  kind: 'agent' | 'token';
  userId: number | null;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** What first start printed: the secrets exist in clear only in this object. */
export interface Bootstrap {
  adminPassword?: string;
  agentKey?: string;
}

/** One audit line: who changed what. */
export interface AuditEntry {
  t: number;
  tenant: string;
  actor: string;
  action: string;
  target: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, password TEXT NOT NULL,
  role TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (name));
CREATE TABLE IF NOT EXISTS api_keys (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id), hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at INTEGER NOT NULL,
  revoked_at INTEGER, last_used_at INTEGER);
CREATE TABLE IF NOT EXISTS sessions (hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), csrf TEXT NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, t INTEGER NOT NULL, tenant TEXT NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, target TEXT NOT NULL);
`;

interface UserRow {
  id: number;
  tenant: string;
  name: string;
  password: string;
  role: string;
  created_at: number;
}
interface KeyRow {
  id: number;
  tenant: string;
  name: string;
  kind: string;
  user_id: number | null;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

const CACHE_MS = 60_000;

/**
 * Users, API keys, sessions and the audit log, in `<data>/vigil.db`. Secrets are stored only as hashes:
 * scrypt for passwords, SHA-256 for random keys and session ids. Verified credentials are cached for a
 * minute so that HTTP basic auth (what Grafana sends on every request) does not pay scrypt each time.
 */
export class AuthStore {
  private readonly db: Database.Database;
  private readonly basicCache = new Map<string, { principal: Principal; until: number }>();
  /** When each key's `last_used_at` was last written, so a busy agent costs one write a minute, not one a request. */
  private readonly lastUsedWrites = new Map<number, number>();
  /** Keys that live only in memory (the in-process local agent's), by hash. */
  private readonly ephemeral = new Map<string, Principal>();

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }

  /**
   * On first start (no users yet) creates the user `admin` and one agent key, using the given values or
   * generated ones; returns the secrets in clear so they can be printed once. Later starts return {}.
   */
  async bootstrap(opts: { adminPassword?: string | undefined; agentKey?: string | undefined }): Promise<Bootstrap> {
    const count = (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    if (count > 0) return {};
    const adminPassword = opts.adminPassword ?? newPassword();
    const agentKey = opts.agentKey ?? newSecret('vgl_ak');
    await this.createUser(DEFAULT_TENANT, 'admin', adminPassword, 'admin', 'bootstrap');
    this.insertKey(DEFAULT_TENANT, 'default agent key', 'agent', null, agentKey, 'bootstrap');
    return { adminPassword, agentKey };
  }

  /** Creates a user; the password is stored as a scrypt hash. */
  async createUser(tenant: string, name: string, password: string, role: UserInfo['role'], actor: string): Promise<UserInfo> {
    if (password.length < 8) throw new VigilError('BAD_REQUEST', 'password must have at least 8 characters');
    const hash = await hashPassword(password);
    const now = Date.now();
    try {
      const r = this.db
        .prepare('INSERT INTO users (tenant, name, password, role, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(tenant, name, hash, role, now);
      this.audit(tenant, actor, 'user.create', name);
      return { id: Number(r.lastInsertRowid), tenant, name, role, createdAt: now };
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new VigilError('BAD_REQUEST', `user "${name}" exists`);
      throw e;
    }
  }

  /** Every tenant that has a user or a key. */
  tenants(): string[] {
    const rows = this.db.prepare('SELECT tenant FROM users UNION SELECT tenant FROM api_keys ORDER BY tenant').all() as {
      tenant: string;
    }[];
    return rows.map((r) => r.tenant);
  }

  /** Users of one tenant. */
  listUsers(tenant: string): UserInfo[] {
    return (this.db.prepare('SELECT * FROM users WHERE tenant = ? ORDER BY id').all(tenant) as UserRow[]).map(toUser);
  }

  /** Creates an agent key (write-only) or a personal token for a user; returns the secret once. */
  createKey(tenant: string, name: string, kind: 'agent' | 'token', userId: number | null, actor: string): { key: string; info: KeyInfo } {
    const key = newSecret(kind === 'agent' ? 'vgl_ak' : 'vgl_pt');
    const info = this.insertKey(tenant, name, kind, userId, key, actor);
    return { key, info };
  }

  private insertKey(tenant: string, name: string, kind: 'agent' | 'token', userId: number | null, key: string, actor: string): KeyInfo {
    const now = Date.now();
    const prefix = key.slice(0, 10);
    const r = this.db
      .prepare('INSERT INTO api_keys (tenant, name, kind, user_id, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(tenant, name, kind, userId, hashToken(key), prefix, now);
    this.audit(tenant, actor, `${kind === 'agent' ? 'agent_key' : 'token'}.create`, name);
    return { id: Number(r.lastInsertRowid), tenant, name, kind, userId, prefix, createdAt: now, revokedAt: null, lastUsedAt: null };
  }

  /** Keys of one tenant, without secrets. */
  listKeys(tenant: string): KeyInfo[] {
    return (this.db.prepare('SELECT * FROM api_keys WHERE tenant = ? ORDER BY id').all(tenant) as KeyRow[]).map(toKey);
  }

  /** Revokes a key of the tenant; false when there is no such key. */
  revokeKey(tenant: string, id: number, actor: string): boolean {
    const r = this.db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant = ? AND revoked_at IS NULL')
      .run(Date.now(), id, tenant);
    if (r.changes > 0) {
      this.basicCache.clear();
      this.audit(tenant, actor, 'key.revoke', String(id));
    }
    return r.changes > 0;
  }

  /** Registers a key that exists only in memory for the life of the process (the local agent's). */
  addEphemeralAgentKey(tenant: string, name: string): string {
    const key = newSecret('vgl_ak');
    this.ephemeral.set(hashToken(key), { kind: 'agent-key', id: `ephemeral:${name}`, name, tenant, role: 'agent' });
    return key;
  }

  /** Resolves a bearer secret (agent key or personal token) to its principal, or null. */
  principalForKey(secret: string): Principal | null {
    const h = hashToken(secret);
    const eph = this.ephemeral.get(h);
    if (eph) return eph;
    const row = this.db
      .prepare(
        `SELECT k.id, k.tenant, k.name, k.kind, k.user_id, u.role AS user_role, u.name AS user_name
         FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.hash = ? AND k.revoked_at IS NULL`,
      )
      .get(h) as
      | {
          id: number;
          tenant: string;
          name: string;
          kind: string;
          user_id: number | null;
          user_role: string | null;
          user_name: string | null;
        }
      | undefined;
    if (!row) return null;
    const now = Date.now();
    if (now - (this.lastUsedWrites.get(row.id) ?? 0) > 60_000) {
      this.lastUsedWrites.set(row.id, now);
      this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now, row.id);
    }
    if (row.kind === 'agent') return { kind: 'agent-key', id: `key:${row.id}`, name: row.name, tenant: row.tenant, role: 'agent' };
    if (row.user_role === null) return null;
    return { kind: 'token', id: `user:${row.user_id}`, name: row.user_name ?? row.name, tenant: row.tenant, role: row.user_role as Role };
  }

  /** Checks a user's name and password (cached for a minute after success); null when wrong. */
  async principalForPassword(name: string, password: string): Promise<Principal | null> {
    const cacheKey = hashToken(`${name}\u0000${password}`);
    const hit = this.basicCache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.principal;
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    if (!row || !(await verifyPassword(password, row.password))) return null;
    const principal: Principal = { kind: 'basic', id: `user:${row.id}`, name: row.name, tenant: row.tenant, role: row.role as Role };
    if (this.basicCache.size > 10_000) this.basicCache.clear();
    this.basicCache.set(cacheKey, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }

  /** Starts a session for a user; returns the session id (cookie value) and its CSRF token. */
  createSession(userId: number, ttlMs: number): { sid: string; csrf: string } {
    const sid = newSecret('vgl_s');
    const csrf = newSecret('vgl_c');
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(Date.now());
    this.db
      .prepare('INSERT INTO sessions (hash, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)')
      .run(hashToken(sid), userId, csrf, Date.now() + ttlMs);
    return { sid, csrf };
  }

  /** Resolves a session cookie to its principal and CSRF token, or null when unknown or expired. */
  session(sid: string): { principal: Principal; csrf: string } | null {
    const row = this.db
      .prepare('SELECT s.csrf, s.expires_at, u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?')
      .get(hashToken(sid)) as (UserRow & { csrf: string; expires_at: number }) | undefined;
    if (!row || row.expires_at < Date.now()) return null;
    return {
      principal: { kind: 'session', id: `user:${row.id}`, name: row.name, tenant: row.tenant, role: row.role as Role },
      csrf: row.csrf,
    };
  }

  /** Ends a session. */
  deleteSession(sid: string): void {
    this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(hashToken(sid));
  }

  /** The user row id for a name, for login. */
  userByName(name: string): UserInfo | null {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  /** Appends an audit line. */
  audit(tenant: string, actor: string, action: string, target: string): void {
    this.db
      .prepare('INSERT INTO audit (t, tenant, actor, action, target) VALUES (?, ?, ?, ?, ?)')
      .run(Date.now(), tenant, actor, action, target);
  }

  /** The newest audit lines of a tenant. */
  auditLog(tenant: string, limit = 200): AuditEntry[] {
    return this.db
      .prepare('SELECT t, tenant, actor, action, target FROM audit WHERE tenant = ? ORDER BY id DESC LIMIT ?')
      .all(tenant, limit) as AuditEntry[];
  }
}

function toUser(r: UserRow): UserInfo {
  return { id: r.id, tenant: r.tenant, name: r.name, role: r.role as UserInfo['role'], createdAt: r.created_at };
}

function toKey(r: KeyRow): KeyInfo {
  return {
    id: r.id,
    tenant: r.tenant,
    name: r.name,
    kind: r.kind as KeyInfo['kind'],
    userId: r.user_id,
    prefix: r.prefix,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}
