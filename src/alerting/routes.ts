import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { VigilError } from '../core/index.js';
import type { AlertManager } from './manager.js';
import type { Incident } from './types.js';

/** What the alerting routes need. */
export interface AlertingRouteDeps {
  manager: AlertManager;
}

const READ = { auth: 'read' } as const;
const WRITE = { auth: 'write' } as const;

const incidentQuery = z.object({
  status: z.enum(['open', 'resolved']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().optional(),
});
const alertQuery = z.object({
  state: z.enum(['pending', 'firing', 'resolved']).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
const resolveBody = z.object({ note: z.string().max(1000).optional() }).default({});
const feedbackBody = z
  .object({ kind: z.enum(['expected', 'anomaly']).default('expected'), series: z.string().optional() })
  .default({ kind: 'expected' });

function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input ?? undefined);
  if (!r.success) {
    throw new VigilError('BAD_REQUEST', `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
  }
  return r.data;
}

function who(req: FastifyRequest): string {
  return (req as FastifyRequest & { principal?: { name?: string } }).principal?.name ?? 'anonymous';
}

/** The public view of an incident (without routing bookkeeping). */
function view(i: Incident): Omit<Incident, 'notify'> {
  const { notify: _notify, ...rest } = i;
  return rest;
}

type IdParams = { Params: { id: string } };

/**
 * Registers the alerting API under `/api/v1`: incidents (+ ack, unack, resolve, feedback), alerts and precision,
 * rules, silences, maintenance windows and channels (+ test). Every route is scoped to `request.tenant` (set by
 * the API's authentication hook) and declares `config.auth`; secrets are masked in every response. Errors are
 * thrown as VigilError for the API's error handler.
 */
export function registerAlertingRoutes(app: FastifyInstance, deps: AlertingRouteDeps): void {
  const m = deps.manager;

  app.get('/api/v1/incidents', { config: READ }, async (req) => {
    const q = parse(incidentQuery, req.query, 'query');
    return { incidents: m.listIncidents(req.tenant, q).map(view) };
  });
  app.get<IdParams>('/api/v1/incidents/:id', { config: READ }, async (req) => view(m.getIncident(req.tenant, req.params.id)));
  app.post<IdParams>('/api/v1/incidents/:id/ack', { config: WRITE }, async (req) => view(m.ack(req.tenant, req.params.id, who(req))));
  app.post<IdParams>('/api/v1/incidents/:id/unack', { config: WRITE }, async (req) => view(m.unack(req.tenant, req.params.id, who(req))));
  app.post<IdParams>('/api/v1/incidents/:id/resolve', { config: WRITE }, async (req) => {
    const b = parse(resolveBody, req.body, 'body');
    return view(m.resolve(req.tenant, req.params.id, who(req), b.note));
  });
  app.post<IdParams>('/api/v1/incidents/:id/feedback', { config: WRITE }, async (req) => {
    const b = parse(feedbackBody, req.body, 'body');
    return view(await m.feedback(req.tenant, req.params.id, b.kind, who(req), b.series));
  });

  app.get('/api/v1/alerts', { config: READ }, async (req) => {
    const q = parse(alertQuery, req.query, 'query');
    return { alerts: m.listAlerts(req.tenant, q.state, q.limit) };
  });
  app.get('/api/v1/alerts/precision', { config: READ }, async (req) => m.precision(req.tenant));

  app.get('/api/v1/rules', { config: READ }, async (req) => ({ rules: m.listRules(req.tenant) }));
  app.get<{ Params: { name: string } }>('/api/v1/rules/:name', { config: READ }, async (req) => {
    const r = m.listRules(req.tenant).find((x) => x.name === req.params.name);
    if (r === undefined) throw new VigilError('NOT_FOUND', `no rule "${req.params.name}"`);
    return r;
  });
  app.post('/api/v1/rules', { config: WRITE }, async (req, reply) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && m.listRules(req.tenant).some((r) => r.name === name && r.source !== 'default')) {
      throw new VigilError('BAD_REQUEST', `rule "${name}" exists; use PUT /api/v1/rules/${name}`);
    }
    reply.code(201);
    return m.saveRule(req.tenant, req.body);
  });
  app.put<{ Params: { name: string } }>('/api/v1/rules/:name', { config: WRITE }, async (req) =>
    m.saveRule(req.tenant, { ...(req.body as object), name: (req.body as { name?: string })?.name ?? req.params.name }, req.params.name),
  );
  app.delete<{ Params: { name: string } }>('/api/v1/rules/:name', { config: WRITE }, async (req, reply) => {
    m.deleteRule(req.tenant, req.params.name);
    reply.code(204);
  });

  app.get('/api/v1/silences', { config: READ }, async (req) => ({ silences: m.listSilences(req.tenant) }));
  app.post('/api/v1/silences', { config: WRITE }, async (req, reply) => {
    reply.code(201);
    return m.saveSilence(req.tenant, req.body, who(req));
  });
  app.put<IdParams>('/api/v1/silences/:id', { config: WRITE }, async (req) => {
    if (!m.listSilences(req.tenant).some((s) => s.id === req.params.id && s.source === 'api')) {
      throw new VigilError('NOT_FOUND', `no silence "${req.params.id}"`);
    }
    return m.saveSilence(req.tenant, req.body, who(req), req.params.id);
  });
  app.delete<IdParams>('/api/v1/silences/:id', { config: WRITE }, async (req, reply) => {
    m.deleteSilence(req.tenant, req.params.id);
    reply.code(204);
  });

  app.get('/api/v1/maintenance', { config: READ }, async (req) => ({ maintenance: m.listMaintenance(req.tenant) }));
  app.post('/api/v1/maintenance', { config: WRITE }, async (req, reply) => {
    reply.code(201);
    return m.saveMaintenance(req.tenant, req.body);
  });
  app.put<IdParams>('/api/v1/maintenance/:id', { config: WRITE }, async (req) => m.saveMaintenance(req.tenant, req.body, req.params.id));
  app.delete<IdParams>('/api/v1/maintenance/:id', { config: WRITE }, async (req, reply) => {
    m.deleteMaintenance(req.tenant, req.params.id);
    reply.code(204);
  });

  app.get('/api/v1/channels', { config: READ }, async (req) => ({ channels: m.listChannels(req.tenant) }));
  app.post('/api/v1/channels', { config: WRITE }, async (req, reply) => {
    reply.code(201);
    return m.saveChannel(req.tenant, req.body);
  });
  app.put<IdParams>('/api/v1/channels/:id', { config: WRITE }, async (req) => m.saveChannel(req.tenant, req.body, req.params.id));
  app.delete<IdParams>('/api/v1/channels/:id', { config: WRITE }, async (req, reply) => {
    m.deleteChannel(req.tenant, req.params.id);
    reply.code(204);
  });
  app.post<IdParams>('/api/v1/channels/:id/test', { config: WRITE }, async (req) => m.testChannel(req.tenant, req.params.id, who(req)));
}
