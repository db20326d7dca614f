import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../src/api/index.js';
import type { AuthScope } from '../../src/core/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Every route of the API, with the scope it must require. A route added without an entry here fails the
// first test, so no route can ship without a decision about who may call it.
const TABLE: Record<string, AuthScope> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/openapi.json': 'public',
  'GET /docs': 'public',
  'POST /api/v1/login': 'public',
  'POST /api/v1/logout': 'public',
  'GET /agent.js': 'public',
  'GET /*': 'public',
  'GET /api/v1/me': 'read',
  'GET /api/v1/keys': 'admin',
  'POST /api/v1/keys': 'read',
  'DELETE /api/v1/keys/:id': 'admin',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/audit': 'admin',
  'GET /api/v1/forecasts': 'read',
  'GET /api/v1/capacity': 'read',
  'GET /api/v1/incidents': 'read',
  'GET /api/v1/incidents/:id': 'read',
  'POST /api/v1/incidents/:id/ack': 'write',
  'POST /api/v1/incidents/:id/unack': 'write',
  'POST /api/v1/incidents/:id/resolve': 'write',
  'POST /api/v1/incidents/:id/feedback': 'write',
  'GET /api/v1/alerts': 'read',
  'GET /api/v1/alerts/precision': 'read',
  'GET /api/v1/rules': 'read',
  'GET /api/v1/rules/:name': 'read',
  'POST /api/v1/rules': 'write',
  'PUT /api/v1/rules/:name': 'write',
  'DELETE /api/v1/rules/:name': 'write',
  'GET /api/v1/silences': 'read',
  'POST /api/v1/silences': 'write',
  'PUT /api/v1/silences/:id': 'write',
  'DELETE /api/v1/silences/:id': 'write',
  'GET /api/v1/maintenance': 'read',
  'POST /api/v1/maintenance': 'write',
  'PUT /api/v1/maintenance/:id': 'write',
  'DELETE /api/v1/maintenance/:id': 'write',
  'GET /api/v1/channels': 'read',
  'POST /api/v1/channels': 'write',
  'PUT /api/v1/channels/:id': 'write',
  'DELETE /api/v1/channels/:id': 'write',
  'POST /api/v1/channels/:id/test': 'write',
  'GET /api/v1/stream': 'read',
  'GET /api/v1/anomalies': 'read',
  'GET /api/v1/models': 'read',
  'GET /api/v1/hosts': 'read',
  'GET /api/v1/charts': 'read',
  'POST /api/v1/ingest': 'ingest',
  'POST /api/v1/write': 'ingest',
  'POST /v1/metrics': 'ingest',
  'POST /api/v2/write': 'ingest',
  'POST /write': 'ingest',
  'GET /api/v1/query': 'read',
  'POST /api/v1/query': 'read',
  'GET /api/v1/query_range': 'read',
  'POST /api/v1/query_range': 'read',
  'GET /api/v1/series': 'read',
  'POST /api/v1/series': 'read',
  'GET /api/v1/labels': 'read',
  'POST /api/v1/labels': 'read',
  'GET /api/v1/label/:name/values': 'read',
  'GET /api/v1/status/buildinfo': 'read',
  'GET /api/v1/metadata': 'read',
};

type Caller = 'anonymous' | 'agent' | 'viewer' | 'editor' | 'admin' | 'wrongKey';
const ALLOWED: Record<AuthScope, readonly Caller[]> = {
  public: ['anonymous', 'agent', 'viewer', 'editor', 'admin', 'wrongKey'],
  ingest: ['agent', 'editor', 'admin'],
  read: ['viewer', 'editor', 'admin'],
  write: ['editor', 'admin'],
  admin: ['admin'],
};

let srv: TestServer;
const headers: Record<Caller, Record<string, string>> = {
  anonymous: {},
  agent: {},
  viewer: {},
  editor: {},
  admin: {},
  wrongKey: { authorization: 'Bearer vgl_ak_revoked-or-never-issued' },
};
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

beforeAll(async () => {
  srv = await startTestServer({ server: { rateLimit: 100_000 } });
  const store = new AuthStore(join(srv.dataDir, 'vigil.db'));
  await store.createUser('default', 'vera', 'viewer-password', 'viewer', 'test');
  await store.createUser('default', 'eddie', 'editor-password', 'editor', 'test');
  store.close();
  headers.agent = { authorization: srv.agentAuth };
  headers.viewer = basic('vera', 'viewer-password');
  headers.editor = basic('eddie', 'editor-password');
  headers.admin = { authorization: srv.adminAuth };
});
afterAll(async () => {
  await srv?.dispose();
});

async function call(method: string, url: string, caller: Caller): Promise<number> {
  const path = url.replace('/*', '/some/page').replace(':name', 'x').replace(':id', 'no-such-id');
  const body =
    method === 'POST' || method === 'PUT' ? JSON.stringify(url === '/api/v1/keys' ? { name: 't', kind: 'token' } : {}) : undefined;
  const ac = new AbortController();
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { ...headers[caller], ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body } : {}),
    signal: ac.signal,
  });
  ac.abort(); // the stream route never ends by itself
  return res.status;
}

describe('route table', () => {
  it('covers every registered route with its documented scope', () => {
    const registered = Object.fromEntries(srv.routes().map((r) => [`${r.method} ${r.url}`, r.auth]));
    expect(Object.keys(registered).sort()).toEqual(Object.keys(TABLE).sort());
    expect(registered).toEqual(TABLE);
  });

  it.each(Object.entries(TABLE))('%s answers each caller as its scope says', async (route, scope) => {
    const [method, url] = route.split(' ') as [string, string];
    for (const caller of ['anonymous', 'wrongKey', 'agent', 'viewer', 'editor', 'admin'] as const) {
      const status = await call(method, url, caller);
      const allowed = ALLOWED[scope].includes(caller);
      const expected = allowed ? 'allowed' : caller === 'anonymous' || caller === 'wrongKey' ? 401 : 403;
      const got = status === 401 || status === 403 ? status : 'allowed';
      expect({ caller, got }).toEqual({ caller, got: expected });
    }
  });
});

describe('audit log', () => {
  it('records who changed what, readable by admins only', async () => {
    const res = await fetch(`${srv.url}/api/v1/silences`, {
      method: 'POST',
      headers: { ...headers.editor, 'content-type': 'application/json' },
      body: JSON.stringify({ match: '{host="db-3"}', endsAt: Date.now() + 3_600_000, comment: 'disk swap' }),
    });
    expect(res.status).toBeLessThan(300);
    const log = (await (await fetch(`${srv.url}/api/v1/audit`, { headers: headers.admin })).json()) as {
      entries: { actor: string; action: string }[];
    };
    expect(log.entries).toContainEqual(expect.objectContaining({ actor: 'eddie', action: 'POST /api/v1/silences' }));
    expect((await fetch(`${srv.url}/api/v1/audit`, { headers: headers.editor })).status).toBe(403);
  });
});

describe('agent keys', () => {
  it('record when they were last used', async () => {
    await fetch(`${srv.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { ...headers.agent, 'content-type': 'application/json' },
      body: '{"series":[]}',
    });
    const keys = (await (await fetch(`${srv.url}/api/v1/keys`, { headers: headers.admin })).json()) as {
      keys: { lastUsedAt: number | null }[];
    };
    expect(keys.keys[0]?.lastUsedAt).toBeGreaterThan(Date.now() - 60_000);
  });
});
