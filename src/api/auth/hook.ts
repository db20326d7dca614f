import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuthScope, DEFAULT_TENANT, type Principal, type Role, VigilError } from '../../core/index.js';
import type { AuthStore } from './auth-store.js';
import type { RateLimiter } from './rate-limit.js';

/** Name of the session cookie (HTTP-only, SameSite=Strict). */
export const SESSION_COOKIE = 'vigil_session';
/** Header that must repeat the session's CSRF token on state-changing requests made with a session cookie. */
export const CSRF_HEADER = 'x-csrf-token';

const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous', name: 'anonymous', tenant: DEFAULT_TENANT, role: 'viewer' };

const ALLOWED: Record<Exclude<AuthScope, 'public'>, readonly Role[]> = {
  ingest: ['agent', 'editor', 'admin'],
  read: ['viewer', 'editor', 'admin'],
  write: ['editor', 'admin'],
  admin: ['admin'],
};

/** Parses a Cookie header into name → value. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

async function resolvePrincipal(store: AuthStore, req: FastifyRequest, scope: AuthScope): Promise<Principal | null | undefined> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const space = header.indexOf(' ');
    const scheme = (space > 0 ? header.slice(0, space) : header).toLowerCase();
    const cred = space > 0 ? header.slice(space + 1).trim() : '';
    if (cred.length === 0 || cred.length > 4096) return null;
    if (scheme === 'bearer' || scheme === 'token') return store.principalForKey(cred);
    if (scheme === 'basic') {
      let decoded: string;
      try {
        decoded = Buffer.from(cred, 'base64').toString('utf8');
      } catch {
        return null;
      }
      const colon = decoded.indexOf(':');
      if (colon < 0) return null;
      const user = decoded.slice(0, colon);
      const pass = decoded.slice(colon + 1);
      if (pass.startsWith('vgl_')) return store.principalForKey(pass);
      return store.principalForPassword(user, pass);
    }
    return null;
  }
  if (scope === 'ingest') {
    // Influx 1.x clients put credentials in the query string (`?u=…&p=…`).
    const q = req.query as Record<string, unknown> | undefined;
    const p = q?.p;
    if (typeof p === 'string' && p.length > 0 && p.length <= 4096) {
      if (p.startsWith('vgl_')) return store.principalForKey(p);
      return store.principalForPassword(typeof q?.u === 'string' ? q.u : '', p);
    }
  }
  const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (sid !== undefined) {
    const s = store.session(sid);
    if (!s) return null;
    if (!isSafeMethod(req.method) && req.headers[CSRF_HEADER] !== s.csrf) {
      throw new VigilError('FORBIDDEN', 'missing or wrong CSRF token (send the x-csrf-token header)');
    }
    return s.principal;
  }
  return undefined;
}

/**
 * Authenticates every request before its handler runs and enforces the route's scope
 * (`config.auth`, default `read`): sets `request.principal` and `request.tenant`.
 * No credentials → 401; wrong credentials → 401; a role the scope does not allow → 403; past the caller's
 * rate limit → 429 with Retry-After.
 */
export function registerAuthHook(app: FastifyInstance, store: AuthStore, limiter?: RateLimiter): void {
  app.decorateRequest('tenant', DEFAULT_TENANT);
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('preHandler', async (req: FastifyRequest, _reply: FastifyReply) => {
    const scope: AuthScope = req.routeOptions.config?.auth ?? 'read';
    const principal = await resolvePrincipal(store, req, scope).catch((e: unknown) => {
      if (e instanceof VigilError) throw e;
      req.log.warn({ err: e }, 'authentication failed');
      return null;
    });
    if (scope === 'public') {
      req.principal = principal ?? ANONYMOUS;
      req.tenant = req.principal.tenant;
      return;
    }
    if (principal === undefined) {
      throw new VigilError('UNAUTHENTICATED', 'authentication required: send an API key as a bearer token, basic auth, or log in');
    }
    if (principal === null) throw new VigilError('UNAUTHENTICATED', 'invalid or revoked credentials');
    if (!ALLOWED[scope].includes(principal.role)) {
      throw new VigilError(
        'FORBIDDEN',
        `this route needs ${scope} access; ${principal.kind === 'agent-key' ? 'an agent key may only ingest' : `role ${principal.role} is not enough`}`,
      );
    }
    const wait = limiter?.take(principal.id) ?? 0;
    if (wait > 0)
      throw new VigilError('RATE_LIMITED', `rate limit for ${principal.name} exceeded; retry later`, {
        context: { retryAfterSeconds: wait },
      });
    req.principal = principal;
    req.tenant = principal.tenant;
  });
}
