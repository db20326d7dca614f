import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

// Vigil serves HTTPS itself when given a certificate and key (for people without a reverse proxy).

const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
let srv: TestServer;

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  srv = await startTestServer({ server: { tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') } });
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
    const req = request(`${srv.url}${path}`, { ca: readFileSync(join(dir, 'cert.pem')), headers }, (res) => {
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
