import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { AuthScope, Logger } from '../core/index.js';
import type { AuthStore } from './auth/auth-store.js';
import { registerAuthHook } from './auth/hook.js';
import { RateLimiter } from './auth/rate-limit.js';
import { registerErrorHandler } from './errors.js';

/** A registered route and the scope it requires. */
export interface RouteInfo {
  method: string;
  url: string;
  auth: AuthScope;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, with its scope (for the route-table security test and docs). */
    vigilRoutes: RouteInfo[];
  }
}

/** Options for the bare HTTP app every route is registered on. */
export interface AppOptions {
  logger: Logger;
  auth: AuthStore;
  /** Largest request body, bytes. */
  bodyLimit: number;
  /** Requests per second per API key or user; default 500. */
  rateLimit?: number;
  /** TLS certificate and key (PEM contents); plain HTTP when absent. */
  https?: { cert: Buffer; key: Buffer };
}

/**
 * A Fastify instance with Vigil's error format, authentication on every route (scope from `config.auth`)
 * and security headers; the server adds the parts' routes to it.
 */
export function createApp(opts: AppOptions): FastifyInstance {
  const base: FastifyServerOptions = {
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
  const app = (opts.https ? Fastify({ ...base, https: opts.https } as FastifyServerOptions) : Fastify(base)) as unknown as FastifyInstance;
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: r.url, auth: (r.config as { auth?: AuthScope } | undefined)?.auth ?? 'read' });
    }
  });
  app.decorate('vigilRoutes', routes);
  registerErrorHandler(app);
  registerAuthHook(app, opts.auth, new RateLimiter({ perSecond: opts.rateLimit ?? 500 }));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    );
    if (opts.https) reply.header('Strict-Transport-Security', 'max-age=31536000');
    return payload;
  });
  // The audit log: every successful change made by a person or token (not ingest) is recorded with who and what.
  app.addHook('onResponse', async (req, reply) => {
    const scope = req.routeOptions.config?.auth ?? 'read';
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    if (scope === 'public' || scope === 'ingest' || reply.statusCode >= 400 || !req.principal) return;
    try {
      opts.auth.audit(
        req.tenant,
        req.principal.name,
        `${req.method} ${req.routeOptions.url ?? ''}`,
        (req.url.split('?')[0] ?? '').slice(0, 300),
      );
    } catch (e) {
      req.log.error({ err: e }, 'audit log write failed');
    }
  });
  return app;
}
