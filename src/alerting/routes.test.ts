import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Anomaly, FakeClock, isVigilError, seriesKey, silentLogger } from '../core/index.js';
import { AlertManager, alertingConfigSchema, registerAlertingRoutes } from './index.js';
import { HttpReceiver } from './testing/http-receiver.js';
import { MemoryQuerier } from './testing/memory-querier.js';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

function anomaly(tenant: string, host: string): Anomaly {
  const labels = { __name__: 'node_load1', host };
  return {
    tenant,
    series: seriesKey(labels),
    labels,
    t: T0,
    value: 9,
    score: 0.99,
    severity: 'critical',
    expected: [0, 2],
    detectors: ['spike'],
    reason: 'load far above normal',
  };
}

describe('alerting HTTP routes', () => {
  let dir: string;
  let app: FastifyInstance;
  let manager: AlertManager;
  let rx: HttpReceiver;
  let rxUrl: string;
  const clock = new FakeClock(T0);
  const routes: Array<{ method: string; url: string; auth: unknown }> = [];
  const feedback: unknown[][] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-routes-'));
    rx = new HttpReceiver();
    rxUrl = await rx.start();
    manager = new AlertManager({
      dataDir: dir,
      logger: silentLogger(),
      clock,
      publicUrl: 'http://vigil.test',
      querier: new MemoryQuerier(),
      config: alertingConfigSchema.parse({
        allowPrivateTargets: true,
        channels: [{ id: 'ops-slack', type: 'slack', url: 'https://hooks.slack.com/services/T1/B2/very-secret-token' }],
        rules: [{ name: 'from-config', type: 'threshold', match: 'up', op: '<', value: 1 }],
      }),
      feedback: async (...args) => {
        feedback.push(args);
      },
    });
    app = Fastify();
    routes.length = 0;
    app.addHook('onRoute', (r) => {
      routes.push({ method: String(r.method), url: r.url, auth: r.config?.auth });
    });
    // Stand-ins for the API's authentication hook and error handler.
    app.addHook('onRequest', async (req) => {
      req.tenant = String(req.headers['x-tenant'] ?? 'default');
      req.principal = { kind: 'token', id: 'u1', name: String(req.headers['x-user'] ?? 'alice'), tenant: req.tenant, role: 'editor' };
    });
    app.setErrorHandler((e, _req, reply) => {
      if (isVigilError(e)) return reply.code(e.status).send({ error: { code: e.code, message: e.message } });
      return reply.code(500).send({ error: { code: 'INTERNAL', message: String(e) } });
    });
    registerAlertingRoutes(app, { manager });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await manager.stop();
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, tenant = 'default') => {
    const r = await app.inject({ method, url, payload: body as object, headers: { 'x-tenant': tenant } });
    return { status: r.statusCode, body: r.body === '' ? null : r.json() };
  };

  it('declares config.auth on every route: read for GET, write for changes', () => {
    expect(routes.length).toBeGreaterThanOrEqual(24);
    for (const r of routes) {
      if (r.method === 'HEAD') continue;
      expect(r.auth, `${r.method} ${r.url}`).toBe(r.method === 'GET' ? 'read' : 'write');
    }
  });

  it('lists, shows, acks, un-acks, resolves incidents with who and when, scoped to the tenant', async () => {
    manager.onAnomaly(anomaly('default', 'web-1'));
    manager.onAnomaly(anomaly('acme', 'web-1'));
    const list = await call('GET', '/api/v1/incidents?status=open');
    expect(list.body.incidents).toHaveLength(1);
    const id = list.body.incidents[0].id;
    expect(list.body.incidents[0].notify).toBeUndefined();
    expect((await call('GET', `/api/v1/incidents/${id}`, undefined, 'acme')).status).toBe(404);
    expect((await call('POST', `/api/v1/incidents/${id}/ack`, undefined, 'acme')).status).toBe(404);
    const acked = await call('POST', `/api/v1/incidents/${id}/ack`);
    expect(acked.body.ack).toEqual({ by: 'alice', at: T0 });
    expect((await call('POST', `/api/v1/incidents/${id}/unack`)).body.ack).toBeNull();
    const resolved = await call('POST', `/api/v1/incidents/${id}/resolve`, { note: 'rebooted' });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: 'alice', resolvedAt: T0 });
    expect(resolved.body.history.find((h: { type: string }) => h.type === 'resolved').text).toContain('rebooted');
    expect((await call('GET', '/api/v1/incidents/nope')).body.error.code).toBe('NOT_FOUND');
  });

  it('records feedback, calls the detector, and shows precision', async () => {
    manager.onAnomaly(anomaly('default', 'web-1'));
    const id = (await call('GET', '/api/v1/incidents')).body.incidents[0].id;
    const r = await call('POST', `/api/v1/incidents/${id}/feedback`, { kind: 'expected' });
    expect(r.status).toBe(200);
    expect(feedback).toEqual([['default', 'node_load1{host="web-1"}', T0, T0, 'expected']]);
    expect(r.body.history.some((h: { type: string }) => h.type === 'feedback')).toBe(true);
    expect((await call('POST', `/api/v1/incidents/${id}/feedback`, { kind: 'maybe' })).status).toBe(400);
    const p = await call('GET', '/api/v1/alerts/precision');
    expect(p.body.rules['high-severity-anomaly']).toMatchObject({ fired: 1, falsePositives: 1, precision: 0 });
    const alerts = await call('GET', '/api/v1/alerts?state=resolved');
    expect(alerts.body.alerts.map((a: { outcome: string }) => a.outcome)).toEqual(['false_positive']);
    const rules = await call('GET', '/api/v1/rules');
    expect(rules.body.rules.find((x: { name: string }) => x.name === 'high-severity-anomaly').precision.precision).toBe(0);
  });

  it('creates, updates and deletes rules; config-file rules are read-only; bad rules get a 400 naming the key', async () => {
    const rule = { name: 'cpu-hot', type: 'threshold', match: 'node_cpu_usage_ratio', op: '>', value: 0.95, for: '5m' };
    expect((await call('POST', '/api/v1/rules', rule)).status).toBe(201);
    expect((await call('POST', '/api/v1/rules', rule)).status).toBe(400);
    expect((await call('PUT', '/api/v1/rules/cpu-hot', { ...rule, value: 0.9 })).body.value).toBe(0.9);
    expect((await call('GET', '/api/v1/rules/cpu-hot')).body).toMatchObject({ source: 'api', for: 300_000 });
    expect((await call('GET', '/api/v1/rules/cpu-hot', undefined, 'acme')).status).toBe(404);
    const bad = await call('POST', '/api/v1/rules', { ...rule, name: 'x', match: 'node{host=bad}' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('match');
    expect((await call('PUT', '/api/v1/rules/from-config', { ...rule, name: 'from-config' })).status).toBe(403);
    expect((await call('DELETE', '/api/v1/rules/host-down')).status).toBe(403);
    expect((await call('PUT', '/api/v1/rules/host-down', { name: 'host-down', type: 'absence', enabled: false })).status).toBe(200);
    expect((await call('GET', '/api/v1/rules/host-down')).body).toMatchObject({ enabled: false, source: 'api' });
    expect((await call('DELETE', '/api/v1/rules/cpu-hot')).status).toBe(204);
    expect((await call('GET', '/api/v1/rules/cpu-hot')).status).toBe(404);
  });

  it('manages silences and maintenance windows', async () => {
    const s = await call('POST', '/api/v1/silences', { match: '{host="web-1"}', endsAt: '2026-11-22T12:00:00Z', comment: 'deploy' });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ createdBy: 'alice', startsAt: T0, endsAt: Date.parse('2026-11-22T12:00:00Z') });
    expect((await call('GET', '/api/v1/silences')).body.silences[0]).toMatchObject({ id: s.body.id, active: true });
    expect((await call('GET', '/api/v1/silences', undefined, 'acme')).body.silences).toHaveLength(0);
    expect((await call('PUT', `/api/v1/silences/${s.body.id}`, { match: '{host="web-2"}', endsAt: T0 + 60_000 })).body.match).toBe(
      '{host="web-2"}',
    );
    expect((await call('DELETE', `/api/v1/silences/${s.body.id}`, undefined, 'acme')).status).toBe(404);
    expect((await call('DELETE', `/api/v1/silences/${s.body.id}`)).status).toBe(204);
    expect((await call('POST', '/api/v1/silences', { match: '{', endsAt: T0 + 1 })).status).toBe(400);

    const w = await call('POST', '/api/v1/maintenance', { id: 'sunday', schedule: '0 2 * * 0', duration: '2h', match: '{env="prod"}' });
    expect(w.status).toBe(201);
    expect((await call('GET', '/api/v1/maintenance')).body.maintenance[0]).toMatchObject({
      id: 'sunday',
      duration: 7_200_000,
      activeNow: false,
    });
    expect((await call('POST', '/api/v1/maintenance', { id: 'bad', schedule: '61 * * * *', duration: '1h' })).status).toBe(400);
    expect((await call('DELETE', '/api/v1/maintenance/sunday')).status).toBe(204);
  });

  it('masks every secret in channel responses and keeps it when the mask is sent back', async () => {
    const hook = {
      id: 'hook',
      type: 'webhook',
      url: `${rxUrl}/hook/secret-path-123`,
      secret: 'hmac-secret-xyz',
      headers: { authorization: 'Bearer tok-123' },
    };
    const created = await call('POST', '/api/v1/channels', hook);
    expect(created.status).toBe(201);
    const mail = {
      id: 'mail',
      type: 'email',
      host: '127.0.0.1',
      port: 2525,
      user: 'u',
      password: 'smtp-pass-999',
      from: 'a@b.c',
      to: ['d@e.f'],
    };
    await call('POST', '/api/v1/channels', mail);
    const list = await call('GET', '/api/v1/channels');
    const text = JSON.stringify(list.body) + JSON.stringify(created.body);
    for (const secret of ['secret-path-123', 'hmac-secret-xyz', 'tok-123', 'smtp-pass-999', 'very-secret-token'])
      expect(text).not.toContain(secret);
    expect(list.body.channels.map((c: { id: string; source: string }) => `${c.id}:${c.source}`)).toEqual([
      'ops-slack:config',
      'hook:api',
      'mail:api',
    ]);
    // Send the masked view back (as a UI would): the stored secrets stay, so the test delivery still reaches the path.
    const masked = list.body.channels.find((c: { id: string }) => c.id === 'hook');
    expect((await call('PUT', '/api/v1/channels/hook', masked)).status).toBe(200);
    const test = await call('POST', '/api/v1/channels/hook/test');
    expect(test.body).toEqual({ ok: true });
    expect(rx.accepted()[0]?.path).toBe('/hook/secret-path-123');
    expect(rx.accepted()[0]?.headers.authorization).toBe('Bearer tok-123');
    expect(rx.accepted()[0]?.headers['x-vigil-signature']).toMatch(/^sha256=/);
    expect((await call('PUT', '/api/v1/channels/ops-slack', { id: 'ops-slack', type: 'slack', url: 'https://x.test/a' })).status).toBe(403);
    expect((await call('GET', '/api/v1/channels', undefined, 'acme')).body.channels.map((c: { id: string }) => c.id)).toEqual([
      'ops-slack',
    ]);
    expect((await call('DELETE', '/api/v1/channels/hook')).status).toBe(204);
    const failing = await call('POST', '/api/v1/channels/mail/test');
    expect(failing.body.ok).toBe(false);
  });
});
