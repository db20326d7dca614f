import { type LabelMatcher, matchesAll, parseSelector } from '../core/index.js';
import type { AlertingConfig, RouteConfig } from './config.js';
import type { Incident } from './types.js';

/** A route resolved for one incident, with its timings. */
export interface ResolvedRoute {
  /** Stable key of the route (its matcher, severities and channels), used to remember what was sent. */
  key: string;
  channels: string[];
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
}

/** A route with its matchers compiled. */
export interface CompiledRoute {
  route: RouteConfig;
  matchers: LabelMatcher[];
  key: string;
}

/** Compiles routes once per configuration. */
export function compileRoutes(routes: readonly RouteConfig[]): CompiledRoute[] {
  return routes.map((route) => ({
    route,
    matchers: parseSelector(route.match || '{}'),
    key: `${route.match}|${(route.severities ?? []).join(',')}|${route.channels.join(',')}`,
  }));
}

/**
 * Routes an incident: a route matches when the incident's severity is allowed and at least one member's labels
 * (plus `severity` and `rule`) satisfy its matchers; first match wins unless `continue`. With no routes configured,
 * every channel of the tenant gets every incident.
 */
export function routeIncident(
  inc: Incident,
  routes: readonly CompiledRoute[],
  channels: readonly string[],
  cfg: Pick<AlertingConfig, 'groupWait' | 'groupInterval' | 'repeatInterval'>,
): ResolvedRoute[] {
  if (routes.length === 0) {
    return channels.length === 0
      ? []
      : [
          {
            key: 'default',
            channels: [...channels],
            groupWait: cfg.groupWait,
            groupInterval: cfg.groupInterval,
            repeatInterval: cfg.repeatInterval,
          },
        ];
  }
  const out: ResolvedRoute[] = [];
  for (const r of routes) {
    if (r.route.severities !== undefined && !r.route.severities.includes(inc.severity)) continue;
    const hit = inc.members.some((m) => matchesAll({ ...m.labels, severity: m.severity, rule: m.rule }, r.matchers));
    if (!hit) continue;
    out.push({
      key: r.key,
      channels: r.route.channels.filter((c) => channels.includes(c)),
      groupWait: r.route.groupWait ?? cfg.groupWait,
      groupInterval: r.route.groupInterval ?? cfg.groupInterval,
      repeatInterval: r.route.repeatInterval ?? cfg.repeatInterval,
    });
    if (!r.route.continue) break;
  }
  return out;
}
