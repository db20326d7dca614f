import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { VigilError } from '../../core/index.js';
import type { AuthStore } from '../auth/auth-store.js';
import { parseCookies, SESSION_COOKIE } from '../auth/hook.js';
import { LoginThrottle } from '../auth/throttle.js';

/** What the auth routes need. */
export interface AuthRouteDeps {
  store: AuthStore;
  /** Session lifetime in ms. */
  sessionTtlMs: number;
  /** Set `Secure` on cookies (when served over TLS). */
  secureCookies: boolean;
}

const loginBody = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) });
const keyBody = z.object({ name: z.string().min(1).max(200), kind: z.enum(['agent', 'token']).default('agent') });
const userBody = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.@-]+$/),
  password: z.string().min(8).max(1024),
  role: z.enum(['viewer', 'editor', 'admin']),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new VigilError('BAD_PAYLOAD', `${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Login/logout, the caller's identity, agent keys and personal tokens, users, and the audit log. */
export function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const { store } = deps;
  const throttle = new LoginThrottle();
  const cookie = (name: string, value: string, maxAgeS: number, httpOnly: boolean) =>
    `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeS}; SameSite=Strict${httpOnly ? '; HttpOnly' : ''}${deps.secureCookies ? '; Secure' : ''}`;

  app.post('/api/v1/login', { config: { auth: 'public' } }, async (req, reply) => {
    const body = parse(loginBody, req.body);
    const key = `${req.ip}\u0000${body.username}`;
    const wait = throttle.check(key);
    if (wait > 0)
      throw new VigilError('RATE_LIMITED', `too many failed logins; retry in ${Math.ceil(wait / 1000)} s`, {
        context: { retryAfterSeconds: wait / 1000 },
      });
    const principal = await store.principalForPassword(body.username, body.password);
    const user = principal ? store.userByName(body.username) : null;
    if (!principal || !user) {
      throttle.fail(key);
      throw new VigilError('UNAUTHENTICATED', 'wrong user name or password');
    }
    throttle.succeed(key);
    const { sid, csrf } = store.createSession(user.id, deps.sessionTtlMs);
    store.audit(user.tenant, user.name, 'session.login', user.name);
    const maxAge = Math.floor(deps.sessionTtlMs / 1000);
    void reply.header('Set-Cookie', [cookie(SESSION_COOKIE, sid, maxAge, true), cookie('vigil_csrf', csrf, maxAge, false)]);
    return { user: { name: user.name, role: user.role, tenant: user.tenant }, csrfToken: csrf };
  });

  app.post('/api/v1/logout', { config: { auth: 'public' } }, async (req, reply) => {
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (sid) store.deleteSession(sid);
    void reply.header('Set-Cookie', [cookie(SESSION_COOKIE, '', 0, true), cookie('vigil_csrf', '', 0, false)]);
    return { ok: true };
  });

  app.get('/api/v1/me', { config: { auth: 'read' } }, async (req) => ({
    name: req.principal.name,
    role: req.principal.role,
    tenant: req.tenant,
    kind: req.principal.kind,
  }));

  app.get('/api/v1/keys', { config: { auth: 'admin' } }, async (req) => ({ keys: store.listKeys(req.tenant) }));
  app.post('/api/v1/keys', { config: { auth: 'read' } }, async (req) => {
    const body = parse(keyBody, req.body);
    // Anyone signed in may mint a personal token for themselves; agent keys are for admins.
    if (body.kind === 'agent' && req.principal.role !== 'admin') throw new VigilError('FORBIDDEN', 'only admins create agent keys');
    const userId = body.kind === 'token' ? Number(req.principal.id.replace(/^user:/, '')) : null;
    if (body.kind === 'token' && !Number.isInteger(userId)) throw new VigilError('FORBIDDEN', 'personal tokens belong to users');
    const { key, info } = store.createKey(req.tenant, body.name, body.kind, userId, req.principal.name);
    return { key, info, note: 'the key is shown once; store it now' };
  });
  app.delete('/api/v1/keys/:id', { config: { auth: 'admin' } }, async (req) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || !store.revokeKey(req.tenant, id, req.principal.name)) throw new VigilError('NOT_FOUND', `no key ${id}`);
    return { revoked: id };
  });

  app.get('/api/v1/users', { config: { auth: 'admin' } }, async (req) => ({ users: store.listUsers(req.tenant) }));
  app.post('/api/v1/users', { config: { auth: 'admin' } }, async (req) => {
    const body = parse(userBody, req.body);
    return { user: await store.createUser(req.tenant, body.name, body.password, body.role, req.principal.name) };
  });

  app.get('/api/v1/audit', { config: { auth: 'admin' } }, async (req) => ({ entries: store.auditLog(req.tenant) }));
}
