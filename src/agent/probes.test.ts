import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert } from '../../test/support/tls.js';
import { BatchBuilder } from './batch.js';
import { ProbeRunner, parseProbeSpec, probeHttp, probeTcp } from './probes.js';

const servers: (http.Server | net.Server)[] = [];
let httpUrl = '';
let httpsUrl = '';
let tlsAvailable = false;
const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-'));

async function listen(s: http.Server | net.Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  const handler: http.RequestListener = (req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('late'), 2000);
    else {
      res.writeHead(req.url === '/missing' ? 404 : 200);
      res.end('ok');
    }
  };
  httpUrl = `http://127.0.0.1:${await listen(http.createServer(handler))}`;
  try {
    // A self-signed certificate valid for 30 days, to check the reported expiry.
    const tls = selfSignedCert(dir, 30);
    const port = await listen(https.createServer({ key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) }, handler));
    httpsUrl = `https://127.0.0.1:${port}`;
    tlsAvailable = true;
  } catch {
    tlsAvailable = false;
  }
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('probes', () => {
  it('HTTP: status, time to first byte and total time; 404 is a failure; a slow answer times out', async () => {
    const ok = await probeHttp(`${httpUrl}/`, 1000);
    expect(ok).toMatchObject({ success: true, status: 200 });
    expect(ok.ttfbS).toBeGreaterThan(0);
    expect(ok.durationS).toBeGreaterThanOrEqual(ok.ttfbS as number);
    expect(await probeHttp(`${httpUrl}/missing`, 1000)).toMatchObject({ success: false, status: 404 });
    const slow = await probeHttp(`${httpUrl}/slow`, 200);
    expect(slow.success).toBe(false);
    expect(slow.durationS).toBeLessThan(1);
  });

  it('HTTPS: reports the certificate time left; an untrusted certificate fails unless insecure', async (ctx) => {
    if (!tlsAvailable) ctx.skip();
    expect((await probeHttp(`${httpsUrl}/`, 2000)).success).toBe(false);
    const r = await probeHttp(`${httpsUrl}/`, 2000, true);
    expect(r.success).toBe(true);
    expect((r.tlsExpiryS as number) / 86400).toBeGreaterThan(29);
    expect((r.tlsExpiryS as number) / 86400).toBeLessThanOrEqual(30);
  });

  it('TCP: connect time, and a refused port fails', async () => {
    const port = new URL(httpUrl).port;
    const up = await probeTcp(`127.0.0.1:${port}`, 1000);
    expect(up.success).toBe(true);
    const closed = net.createServer();
    const deadPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    servers.pop();
    expect(await probeTcp(`127.0.0.1:${deadPort}`, 1000)).toMatchObject({ success: false, error: 'ECONNREFUSED' });
  });

  it('the runner turns results into labelled series for the next batch', async () => {
    const runner = new ProbeRunner(
      [parseProbeSpec(`http:${httpUrl}/,name=web,timeout=1s`), parseProbeSpec(`tcp:127.0.0.1:${new URL(httpUrl).port}`)],
      5000,
    );
    runner.start();
    await new Promise((r) => setTimeout(r, 300));
    await runner.stop();
    const b = new BatchBuilder({ host: 'h' }, Date.now());
    runner.drain(b);
    const series = b.build();
    const web = series.filter((s) => s.labels.probe === 'web').map((s) => s.labels.__name__);
    expect(web).toEqual([
      'vigil_probe_success',
      'vigil_probe_duration_seconds',
      'vigil_probe_http_status_code',
      'vigil_probe_http_ttfb_seconds',
    ]);
    expect(series.find((s) => s.labels.type === 'tcp' && s.labels.__name__ === 'vigil_probe_success')?.values).toEqual([1]);
  });

  it('parses probe specs and refuses bad ones', () => {
    expect(parseProbeSpec('https://example.com/health,interval=30s,timeout=2s,name=site')).toEqual({
      type: 'http',
      target: 'https://example.com/health',
      intervalMs: 30_000,
      timeoutMs: 2000,
      name: 'site',
    });
    expect(parseProbeSpec('tcp:db.local:5432')).toEqual({ type: 'tcp', target: 'db.local:5432' });
    expect(() => parseProbeSpec('udp:x:1')).toThrow(/http:URL or tcp:HOST:PORT/);
    expect(() => parseProbeSpec('tcp:db.local')).toThrow(/host:port/);
    expect(() => parseProbeSpec('tcp:db:1,interval=soon')).toThrow(/bad interval/);
  });
});
