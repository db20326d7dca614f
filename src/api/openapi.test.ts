import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import type { RouteInfo } from './app.js';
import { buildOpenApi, type OpenApiDocument, openApiPath, ROUTE_DOCS, routeKey, undocumentedRoutes } from './openapi.js';

// Routes described in ROUTE_DOCS that a plain server does not register (only `vigil demo` adds them).
const CONDITIONAL = ['GET /api/v1/demo/report'];

type Op = {
  operationId: string;
  'x-vigil-scope': string;
  security: Record<string, string[]>[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
};

let srv: TestServer;
let doc: OpenApiDocument;

beforeAll(async () => {
  srv = await startTestServer({ server: { rateLimit: 100_000 } });
  const res = await fetch(`${srv.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
});
afterAll(async () => {
  await srv?.dispose();
});

function operations(d: OpenApiDocument): { method: string; path: string; op: Op }[] {
  return Object.entries(d.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op: op as Op })));
}

describe('OpenAPI document of a real server', () => {
  it('describes every route the server registered', () => {
    expect(undocumentedRoutes(srv.routes()).map(routeKey)).toEqual([]);
  });

  it('has no description of a route that does not exist (except the demo’s)', () => {
    const registered = new Set(srv.routes().map(routeKey));
    expect(Object.keys(ROUTE_DOCS).filter((k) => !registered.has(k))).toEqual(CONDITIONAL);
  });

  it('lists exactly the registered routes, each with its scope and security', () => {
    const listed = operations(doc).map((o) => `${o.method.toUpperCase()} ${o.path} ${o.op['x-vigil-scope']}`);
    const registered = srv.routes().map((r) => `${r.method} ${openApiPath(r.url)} ${r.auth}`);
    expect(listed.sort()).toEqual(registered.sort());
    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      if (op['x-vigil-scope'] === 'public') expect(op.security, where).toEqual([]);
      else {
        expect(op.security.length, where).toBeGreaterThan(0);
        expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '403']));
      }
      if (op['x-vigil-scope'] === 'ingest')
        expect(
          op.security.some((s) => 'session' in s),
          where,
        ).toBe(false);
      if (method !== 'get' && op['x-vigil-scope'] !== 'public' && op['x-vigil-scope'] !== 'ingest')
        expect(
          op.security.some((s) => 'session' in s && 'csrf' in s),
          where,
        ).toBe(true);
    }
  });

  it('is structurally valid: version, unique operation ids, declared path parameters, resolvable references', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = operations(doc).map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, op } of operations(doc)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = op.parameters.filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), path).toEqual(inPath.sort());
      expect(declared.every((p) => p.required)).toBe(true);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(20);
    for (const r of new Set(refs)) expect(schemas[r], r).toBeDefined();
    const codes = (
      (schemas.Error as { properties: { error: { properties: { code: { enum: string[] } } } } }).properties.error.properties.code
        .enum as string[]
    ).slice();
    expect(codes).toEqual(expect.arrayContaining(['UNAUTHENTICATED', 'FORBIDDEN', 'OVERLOADED', 'BAD_PAYLOAD']));
  });

  it('its request examples are accepted by the server they describe', async () => {
    const tried: string[] = [];
    for (const { method, path, op } of operations(doc)) {
      const example = op.requestBody?.content['application/json']?.example;
      if (example === undefined || path === '/api/v1/login' || path.includes('{')) continue;
      const scope = op['x-vigil-scope'];
      const res = await fetch(`${srv.url}${path}`, {
        method: method.toUpperCase(),
        headers: { authorization: scope === 'ingest' ? srv.agentAuth : srv.adminAuth, 'content-type': 'application/json' },
        body: JSON.stringify(example),
      });
      const body = await res.text();
      const documented = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect({ route: `${method} ${path}`, status: String(res.status), body }).toMatchObject({ status: expect.stringMatching(/^2/) });
      expect(documented, `${method} ${path}`).toContain(String(res.status));
      tried.push(`${method} ${path}`);
    }
    expect(tried).toEqual(
      expect.arrayContaining(['post /api/v1/ingest', 'post /api/v1/rules', 'post /api/v1/silences', 'post /api/v1/keys']),
    );
  });

  it('serves a self-contained HTML page at /docs naming every route', async () => {
    const res = await fetch(`${srv.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    for (const { path } of operations(doc)) expect(html).toContain(`<code>${path.replace(/&/g, '&#38;')}</code>`);
  });
});

describe('buildOpenApi', () => {
  it('lists a registered route without a description, marked, and undocumentedRoutes names it', () => {
    const routes: RouteInfo[] = [
      { method: 'GET', url: '/healthz', auth: 'public' },
      { method: 'POST', url: '/api/v1/new-thing/:id', auth: 'write' },
    ];
    expect(undocumentedRoutes(routes)).toEqual([routes[1]]);
    const d = buildOpenApi(routes, { version: '0.0.0' });
    expect(Object.keys(d.paths).sort()).toEqual(['/api/v1/new-thing/{id}', '/healthz']);
    const op = d.paths['/api/v1/new-thing/{id}']?.post as { summary: string; tags: string[]; parameters: { name: string }[] };
    expect(op.summary).toBe('Undocumented route');
    expect(op.tags).toEqual(['undocumented']);
    expect(op.parameters.map((p) => p.name)).toEqual(['id']);
  });
});
