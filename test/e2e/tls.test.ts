import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { type SelfSignedCert, selfSignedCert } from '../support/tls.js';

// Vigil serves HTTPS itself when given a certificate and key (for people without a reverse proxy).

const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
let srv: TestServer;
let tls: SelfSignedCert;

beforeAll(async () => {
  tls = selfSignedCert(dir, 1);
  srv = await startTestServer({ server: { tlsCert: tls.certFile, tlsKey: tls.keyFile } });
});
afterAll(async () => {
  await srv?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${srv.url}${path}`, { ca: readFileSync(tls.certFile), headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  it('serves the API over HTTPS with HSTS, and authentication still applies', async () => {
    expect(srv.url.startsWith('https://127.0.0.1:')).toBe(true);
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await get('/api/v1/me')).status).toBe(401);
    const me = await get('/api/v1/me', { authorization: srv.adminAuth });
    expect(JSON.parse(me.body)).toMatchObject({ name: 'admin' });
  });
});
