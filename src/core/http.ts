import type {} from 'fastify';

/**
 * What a route requires of its caller. `public`: nobody needs to log in (health, login page);
 * `ingest`: an agent/ingest key or any user who may write; `read`: any signed-in user or token of the tenant;
 * `write`: an editor or admin; `admin`: an admin. Routes without `config.auth` are `read`.
 */
export type AuthScope = 'public' | 'ingest' | 'read' | 'write' | 'admin';

/** Roles, weakest first; an agent key may only ingest. */
export type Role = 'agent' | 'viewer' | 'editor' | 'admin';

/** Who is calling: resolved by the API's authentication hook before any handler runs. */
export interface Principal {
  kind: 'agent-key' | 'session' | 'token' | 'basic' | 'anonymous';
  /** Stable id of the key or user. */
  id: string;
  /** User name (people) or key name (agents), for audit lines. */
  name: string;
  tenant: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Tenant every read and write of this request is scoped to; set by the authentication hook. */
    tenant: string;
    /** The authenticated caller; set by the authentication hook. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** What the route requires; see AuthScope. */
    auth?: AuthScope;
  }
}
