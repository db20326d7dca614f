import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock, seriesKey, silentLogger } from '../core/index.js';
import { alertingConfigSchema } from './config.js';
import { AlertManager } from './manager.js';
import { HttpReceiver } from './testing/http-receiver.js';
import { MemoryQuerier } from './testing/memory-querier.js';

const METRICS = [
  'node_load1',
  'node_cpu_usage_ratio',
  'node_memory_used_bytes',
  'node_network_receive_bytes_total',
  'node_disk_io_time_seconds_total',
];

describe('alert storm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-storm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('50 series on 10 hosts going anomalous within a minute give a handful of incident notifications, not 50', async () => {
    const rx = new HttpReceiver();
    const url = await rx.start();
    const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
    const clock = new FakeClock(t0);
    // Production defaults (group wait 30 s, group interval 5 m, repeat 4 h, incident windows); only the channel is set.
    const m = new AlertManager({
      dataDir: dir,
      logger: silentLogger(),
      clock,
      publicUrl: 'http://vigil.test',
      querier: new MemoryQuerier(),
      config: alertingConfigSchema.parse({ allowPrivateTargets: true, channels: [{ id: 'hook', type: 'webhook', url }] }),
    });
    // A seeded spread of start times over 60 s; each series stays anomalous for 8 minutes (one anomaly every 10 s).
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const series = Array.from({ length: 50 }, (_, i) => {
      const labels = { __name__: METRICS[i % 5] as string, host: `node-${Math.floor(i / 5)}` };
      return { labels, key: seriesKey(labels), start: t0 + Math.floor(rand() * 60_000) };
    });
    for (let t = t0; t <= t0 + 25 * 60_000; t += 5000) {
      clock.set(t);
      for (const s of series) {
        if (t < s.start || t > s.start + 8 * 60_000 || (t - s.start) % 10_000 >= 5000) continue;
        m.onAnomaly({
          tenant: 'default',
          series: s.key,
          labels: s.labels,
          t,
          value: 100,
          score: 0.97,
          severity: 'critical',
          expected: [1, 10],
          detectors: ['level_shift'],
          reason: 'far above normal',
        });
      }
      await m.tick();
      await m.flushOutbox();
    }
    const bodies = rx.accepted().map((r) => JSON.parse(r.body) as { kind: string; incidentId: string; hosts: string[]; items: unknown[] });
    const incidents = m.listIncidents('default');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.members).toHaveLength(50);
    expect(incidents[0]?.hosts).toHaveLength(10);
    expect(incidents[0]?.status).toBe('resolved');
    expect(bodies.map((b) => b.kind)).toEqual(['firing', 'update', 'resolved']);
    expect(bodies[1]?.hosts).toHaveLength(10);
    expect(bodies[1]?.items).toHaveLength(10); // capped at incidents.maxItems; the rest is one click away
    process.stderr.write(`storm: ${bodies.length} notifications for 50 anomalous series (${bodies.map((b) => b.kind).join(', ')})\n`);
    await m.stop();
    await rx.stop();
  });
});
