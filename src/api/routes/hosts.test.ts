import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type Labels, type SeriesSamples, silentLogger } from '../../core/index.js';
import { openStorage, type Storage } from '../../tsdb/index.js';
import { createApp } from '../app.js';
import { AuthStore } from '../auth/auth-store.js';
import { type HostSummary, registerHostRoutes, summarizeHosts } from './hosts.js';

const NOW = 1_763_800_000_000;
const STEP = 10_000;

function series(labels: Labels, points: [number, number][]): SeriesSamples {
  return { labels, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
}

/** A host with `cpus` CPUs busy `busy` (0–1) for the last 5 minutes ending at `end`, plus memory, disks and load. */
function host(
  name: string,
  end: number,
  o: { busy: number; cpus?: number; memUsed: number; disks: [string, string, number][]; reset?: boolean },
): SeriesSamples[] {
  const base = { host: name, host_id: `id-${name}`, env: 'prod' };
  const out: SeriesSamples[] = [];
  const times = Array.from({ length: 31 }, (_, i) => end - (30 - i) * STEP);
  for (let c = 0; c < (o.cpus ?? 2); c++) {
    for (const [mode, share] of [
      ['idle', 1 - o.busy],
      ['user', o.busy * 0.75],
      ['system', o.busy * 0.25],
    ] as const) {
      out.push(
        series(
          { __name__: 'node_cpu_seconds_total', ...base, cpu: String(c), mode },
          times.map((t, i) => {
            // An agent restart halfway through resets the counters; the summary must not see a negative increase.
            const k = o.reset && i >= 20 ? i - 20 : i + 1000;
            return [t, k * share * (STEP / 1000)];
          }),
        ),
      );
    }
  }
  const total = 16 * 2 ** 30;
  out.push(
    series(
      { __name__: 'node_memory_MemTotal_bytes', ...base },
      times.map((t) => [t, total]),
    ),
  );
  out.push(
    series(
      { __name__: 'node_memory_MemAvailable_bytes', ...base },
      times.map((t) => [t, total * (1 - o.memUsed)]),
    ),
  );
  out.push(
    series(
      { __name__: 'node_load1', ...base },
      times.map((t) => [t, 1.5]),
    ),
  );
  for (const [mount, fstype, used] of o.disks) {
    const size = 100 * 2 ** 30;
    const l = { ...base, mountpoint: mount, fstype, device: `/dev/${mount.length}` };
    out.push(
      series(
        { __name__: 'node_filesystem_size_bytes', ...l },
        times.map((t) => [t, size]),
      ),
    );
    out.push(
      series(
        { __name__: 'node_filesystem_avail_bytes', ...l },
        times.map((t) => [t, size * (1 - used)]),
      ),
    );
  }
  return out;
}

describe('fleet summary (GET /api/v1/hosts)', () => {
  let dir: string;
  let storage: Storage;
  let auth: AuthStore;
  const clock = new FakeClock(NOW);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-hosts-'));
    storage = await openStorage({ dir: join(dir, 'tsdb'), clock });
    const batch = [
      ...host('web-1', NOW, {
        busy: 0.4,
        memUsed: 0.25,
        disks: [
          ['/', 'ext4', 0.5],
          ['/data', 'xfs', 0.9],
          ['/run', 'tmpfs', 0.99],
        ],
      }),
      ...host('db-1', NOW - 5000, { busy: 0.8, cpus: 4, memUsed: 0.6, disks: [['/', 'ext4', 0.3]], reset: true }),
      // Stopped sending ten minutes ago.
      ...host('old-1', NOW - 600_000, { busy: 0.1, memUsed: 0.1, disks: [] }),
      // Sends only a custom metric (e.g. through remote_write).
      series({ __name__: 'app_requests_total', host: 'app-1', role: 'api' }, [[NOW - 20_000, 5]]),
    ];
    const r = await storage.append('default', batch);
    expect(r.rejected).toEqual([]);
    await storage.append('other', host('secret-1', NOW, { busy: 0.5, memUsed: 0.5, disks: [] }));
    auth = new AuthStore(join(dir, 'vigil.db'));
    await auth.bootstrap({ adminPassword: 'correct-horse-battery' });
  });

  afterAll(async () => {
    await storage?.close();
    auth?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes status, CPU, memory and worst real disk per host', async () => {
    const hosts = await summarizeHosts(storage, 'default', NOW);
    const by = new Map(hosts.map((h) => [h.host, h]));
    expect([...by.keys()]).toEqual(['app-1', 'db-1', 'old-1', 'web-1']);

    const web = by.get('web-1')!;
    expect(web.status).toBe('up');
    expect(web.lastSeen).toBe(NOW);
    expect(web.cpuPct).toBeCloseTo(40, 5);
    expect(web.memPct).toBeCloseTo(25, 5);
    // tmpfs at 99% is ignored; /data at 90% is the worst real filesystem.
    expect(web.diskPct).toBeCloseTo(90, 5);
    expect(web.diskMount).toBe('/data');
    expect(web.load1).toBe(1.5);
    expect(web.hostId).toBe('id-web-1');
    expect(web.labels).toEqual({ host: 'web-1', host_id: 'id-web-1', env: 'prod' });

    const db = by.get('db-1')!;
    expect(db.cpuPct).toBeCloseTo(80, 5);
    expect(db.lastSeen).toBe(NOW - 5000);

    const old = by.get('old-1')!;
    expect(old.status).toBe('down');
    expect(old.lastSeen).toBe(NOW - 600_000);
    expect(old.cpuPct).toBeNull();
    expect(old.diskPct).toBeNull();
    expect(old.memPct).toBeCloseTo(10, 5);

    const app = by.get('app-1')!;
    expect(app).toMatchObject({
      status: 'up',
      lastSeen: NOW - 20_000,
      cpuPct: null,
      memPct: null,
      diskPct: null,
      labels: { host: 'app-1', role: 'api' },
    });
  });

  it('honours the staleness window', async () => {
    const hosts: HostSummary[] = await summarizeHosts(storage, 'default', NOW, { staleAfterMs: 1000 });
    expect(hosts.filter((h) => h.status === 'up').map((h) => h.host)).toEqual(['web-1']);
  });

  it('reports a live host as learning while every model of it still learns', async () => {
    const models = [
      { labels: { host: 'web-1', __name__: 'node_load1' }, learning: true },
      { labels: { host: 'web-1', __name__: 'node_memory_MemAvailable_bytes' }, learning: true },
      { labels: { host: 'db-1', __name__: 'node_load1' }, learning: true },
      { labels: { host: 'db-1', __name__: 'node_memory_MemAvailable_bytes' }, learning: false },
      { labels: { host: 'old-1', __name__: 'node_load1' }, learning: true },
    ];
    const by = new Map((await summarizeHosts(storage, 'default', NOW, {}, models)).map((h) => [h.host, h.status]));
    expect(Object.fromEntries(by)).toEqual({ 'app-1': 'up', 'db-1': 'up', 'old-1': 'down', 'web-1': 'learning' });
  });

  it('serves the summary scoped to the caller’s tenant and requires a login', async () => {
    const app = createApp({ logger: silentLogger(), auth, bodyLimit: 1 << 20, rateLimit: 1000 });
    registerHostRoutes(app, { querier: storage, clock });
    await app.ready();
    try {
      const anon = await app.inject({ method: 'GET', url: '/api/v1/hosts' });
      expect(anon.statusCode).toBe(401);
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/hosts',
        headers: { authorization: `Basic ${Buffer.from('admin:correct-horse-battery').toString('base64')}` },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { hosts: HostSummary[]; now: number; staleAfterMs: number };
      expect(body.now).toBe(NOW);
      expect(body.staleAfterMs).toBe(120_000);
      expect(body.hosts.map((h) => h.host)).toEqual(['app-1', 'db-1', 'old-1', 'web-1']);
    } finally {
      await app.close();
    }
  });
});
