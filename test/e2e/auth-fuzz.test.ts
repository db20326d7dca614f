import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

// Random and mutated credentials never get in and never crash the server: every answer is 401 or 403.

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ server: { rateLimit: 100_000 } });
});
afterAll(async () => {
  await srv?.dispose();
});

const validBasic = () => srv.adminAuth;

function headerSafe(s: string): string {
  // fetch refuses header values with control characters; what a client can send is what matters.
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f) continue;
    out += c > 0xff ? '?' : ch;
  }
  return out;
}

const credential = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 200 }).map((s) => `Token ${s}`),
  fc.string({ maxLength: 200 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.string({ maxLength: 200 }).map((s) => `Basic ${s}`),
  fc.tuple(fc.nat(40), fc.string({ minLength: 1, maxLength: 3 })).map(([i, junk]) => {
    const v = validBasic();
    return v.slice(0, 6 + (i % (v.length - 6))) + junk;
  }),
  fc.string({ maxLength: 300 }),
  fc.constant('Bearer vgl_ak_'),
  fc.constant('Basic YWRtaW46'), // admin with an empty password
);

describe('authentication fuzz', () => {
  it('rejects random and mutated Authorization headers with 401/403, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(credential, fc.constantFrom('/api/v1/me', '/api/v1/query?query=up', '/api/v1/keys'), async (auth, path) => {
        const value = headerSafe(auth);
        // A mutation that still carries the real password (base64 padding dropped, trailing blanks) may get in.
        const m = /^basic\s+(.*)$/i.exec(value.trim());
        if (m && Buffer.from(m[1] as string, 'base64').toString() === 'admin:test-admin-password') return;
        const res = await fetch(`${srv.url}${path}`, { headers: value.trim() === '' ? {} : { authorization: value } });
        expect([401, 403]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects random session cookies and CSRF-less writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), async (cookie) => {
        const res = await fetch(`${srv.url}/api/v1/me`, { headers: { cookie: `vigil_session=${encodeURIComponent(cookie)}` } });
        expect(res.status).toBe(401);
      }),
      { numRuns: 150 },
    );
    const login = await fetch(`${srv.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'test-admin-password' }),
    });
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]);
    const session = cookies.find((c) => c?.startsWith('vigil_session='))!;
    const csrf = decodeURIComponent(cookies.find((c) => c?.startsWith('vigil_csrf='))!.split('=')[1]!);
    expect((await fetch(`${srv.url}/api/v1/me`, { headers: { cookie: session } })).status).toBe(200);
    const body = JSON.stringify({ name: 'x', kind: 'token' });
    const noCsrf = await fetch(`${srv.url}/api/v1/keys`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/json' },
      body,
    });
    expect(noCsrf.status).toBe(403);
    const withCsrf = await fetch(`${srv.url}/api/v1/keys`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/json', 'x-csrf-token': csrf },
      body,
    });
    expect(withCsrf.status).toBe(200);
  });

  it('throttles repeated failed logins', async () => {
    const attempt = () =>
      fetch(`${srv.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'wrong-password' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt()).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    const throttled = await attempt();
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
