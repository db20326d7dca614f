import { join } from 'node:path';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../src/api/index.js';
import { encodeWriteRequest } from '../../src/ingest/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Tenant isolation through every ingest path and every read path, the Prometheus-compatible API included:
// what tenant "acme" writes, only "acme" reads; the default tenant sees none of it, and the reverse.

let srv: TestServer;
let acmeKey: string;
const acmeUser = { authorization: `Basic ${Buffer.from('acme-admin:acme-password').toString('base64')}` };

beforeAll(async () => {
  srv = await startTestServer();
  const store = new AuthStore(join(srv.dataDir, 'vigil.db'));
  await store.createUser('acme', 'acme-admin', 'acme-password', 'admin', 'test');
  acmeKey = store.createKey('acme', 'acme agent', 'agent', null, 'test').key;
  store.close();
});
afterAll(async () => {
  await srv?.dispose();
});

const now = Date.now() - 5000;

async function post(
  path: string,
  key: string,
  body: string | Uint8Array,
  contentType: string,
  extra: Record<string, string> = {},
): Promise<number> {
  const res = await fetch(`${srv.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType, ...extra },
    body,
  });
  return res.status;
}

async function names(auth: Record<string, string>): Promise<string[]> {
  const res = await fetch(`${srv.url}/api/v1/label/__name__/values`, { headers: auth });
  return ((await res.json()) as { data: string[] }).data;
}

async function instant(auth: Record<string, string>, query: string): Promise<unknown[]> {
  const res = await fetch(`${srv.url}/api/v1/query?${new URLSearchParams({ query, time: String(now / 1000) })}`, { headers: auth });
  return ((await res.json()) as { data: { result: unknown[] } }).data.result;
}

describe('tenant isolation', () => {
  beforeAll(async () => {
    // One series per ingest path, written with acme's key; one default-tenant series with the default key.
    const json = (name: string) => JSON.stringify({ series: [{ labels: { __name__: name, host: 'h' }, samples: [[now, 1]] }] });
    expect(await post('/api/v1/ingest', acmeKey, json('acme_json'), 'application/json')).toBe(200);
    const rw = compressSync(encodeWriteRequest([{ labels: { __name__: 'acme_remote_write', host: 'h' }, timestamps: [now], values: [2] }]));
    expect(await post('/api/v1/write', acmeKey, new Uint8Array(rw), 'application/x-protobuf', { 'content-encoding': 'snappy' })).toBe(204);
    const otlp = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h' } }] },
          scopeMetrics: [{ metrics: [{ name: 'acme_otlp', gauge: { dataPoints: [{ timeUnixNano: String(now * 1e6), asDouble: 3 }] } }] }],
        },
      ],
    };
    expect(await post('/v1/metrics', acmeKey, JSON.stringify(otlp), 'application/json')).toBe(200);
    expect(
      await post('/api/v2/write?precision=ms', acmeKey, `acme_influx,host=h value=4 ${now}`, 'text/plain', {
        authorization: `Token ${acmeKey}`,
      }),
    ).toBe(204);
    expect(await post('/api/v1/ingest', 'vgl_ak_test-agent-key-0123456789', json('default_only'), 'application/json')).toBe(200);
  });

  it('shows each tenant only its own series in label values', async () => {
    const acme = await names(acmeUser);
    expect(acme).toEqual(expect.arrayContaining(['acme_json', 'acme_remote_write']));
    expect(acme.some((n) => n.startsWith('acme_otlp'))).toBe(true);
    expect(acme.some((n) => n.startsWith('acme_influx'))).toBe(true);
    expect(acme).not.toContain('default_only');
    const def = await names({ authorization: srv.adminAuth });
    expect(def).toContain('default_only');
    expect(def.filter((n) => n.startsWith('acme_'))).toEqual([]);
  });

  it('isolates PromQL queries, series listings and Vigil routes', async () => {
    expect(await instant(acmeUser, '{__name__=~"acme_.*"}')).toHaveLength(4);
    expect(await instant({ authorization: srv.adminAuth }, '{__name__=~"acme_.*"}')).toHaveLength(0);
    expect(await instant(acmeUser, 'default_only')).toHaveLength(0);
    expect(await instant(acmeUser, 'count({__name__=~".+"})')).toEqual([{ metric: {}, value: [now / 1000, expect.any(String)] }]);

    // The default tenant sees its own series and the anomaly scores of its own series (stored once detection has
    // scored the sample, so wait for them), nothing of acme's.
    const listed = async () => {
      const series = await fetch(`${srv.url}/api/v1/series?${new URLSearchParams({ 'match[]': '{host="h"}' })}`, {
        headers: { authorization: srv.adminAuth },
      });
      const list = (await series.json()) as { data: { __name__: string; metric?: string }[] };
      return list.data.map((s) => s.metric ?? s.__name__).sort();
    };
    let names = await listed();
    for (const deadline = Date.now() + 15_000; names.filter((n) => n === 'default_only').length < 4 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      names = await listed();
    }
    expect(names.filter((n) => n === 'default_only')).toHaveLength(4);
    // The host-level score of host "h" may appear too: it is the default tenant's own host.
    expect(names.filter((n) => n !== 'default_only' && n !== 'vigil_host_anomaly_score')).toEqual([]);

    const hosts = await fetch(`${srv.url}/api/v1/hosts`, { headers: acmeUser });
    expect(hosts.status).toBe(200);
    const me = await (await fetch(`${srv.url}/api/v1/me`, { headers: acmeUser })).json();
    expect(me).toMatchObject({ tenant: 'acme' });
    // An admin of one tenant does not see the other's keys.
    const keys = (await (await fetch(`${srv.url}/api/v1/keys`, { headers: acmeUser })).json()) as { keys: { tenant: string }[] };
    expect(keys.keys.every((k) => k.tenant === 'acme')).toBe(true);
  });
});
