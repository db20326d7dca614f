import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binaryAvailable,
  NODE_EXPORTER_BIN,
  type PeerProcess,
  PROMETHEUS_BIN,
  type PrometheusHandle,
  scrapeConfig,
  startNodeExporter,
  startPrometheus,
  waitFor,
} from '../../../test/support/prometheus.js';
import { seriesKey } from '../../core/index.js';
import { registerRemoteWriteRoutes } from './routes.js';
import { type RealIngestServer, startRealIngestServer } from './testing/real-server.js';

const peersInstalled = binaryAvailable(PROMETHEUS_BIN) && binaryAvailable(NODE_EXPORTER_BIN);

// A real Prometheus scrapes a real node_exporter every second and remote-writes to Vigil's route over the
// real store; what Vigil stored must equal what Prometheus stored: same series, same timestamps, same values.
describe.skipIf(!peersInstalled)('remote_write from a real Prometheus', () => {
  let vigil: RealIngestServer;
  let ne: PeerProcess;
  let prom: PrometheusHandle;

  beforeAll(async () => {
    vigil = await startRealIngestServer([registerRemoteWriteRoutes]);
    ne = await startNodeExporter();
    prom = await startPrometheus({
      scrapeConfigs: [scrapeConfig('node', [ne.address], '1s', { env: 'e2e' })],
      remoteWrite: [{ url: `${vigil.url}/api/v1/write` }],
    });
  });
  afterAll(async () => {
    await prom?.stop();
    await ne?.stop();
    await vigil?.close();
  });

  it('stores the same node_exporter series and samples as Prometheus itself', async () => {
    const job = [{ name: 'job', op: '=' as const, value: 'node' }];
    await waitFor(
      async () => {
        const up = await vigil.storage.select('default', [...job, { name: '__name__', op: '=', value: 'up' }], 0, Date.now() + 60_000);
        return (up[0]?.timestamps.length ?? 0) >= 3;
      },
      45_000,
      'three scrapes to arrive through remote_write',
      250,
    );

    let mismatches: string[] = [];
    let compared = 0;
    let seriesCount = 0;
    // Remote write delivers through several shards, so the newest samples can lag by a send deadline; retry briefly.
    await waitFor(
      async () => {
        const at = Date.now();
        const theirs = await prom.query('{job="node"}[1m]', at);
        const upTimes = theirs.find((s) => s.metric.__name__ === 'up')?.samples.map((s) => s[0]) ?? [];
        const cutoff = Math.max(...upTimes) - 2000;
        const from = at - 60_000;
        const ours = await vigil.storage.select('default', job, from + 1, cutoff);
        const oursByKey = new Map(ours.map((s) => [seriesKey(s.labels), s]));
        mismatches = [];
        compared = 0;
        seriesCount = 0;
        const seen = new Set<string>();
        for (const s of theirs) {
          const expected = s.samples.filter(([t]) => t <= cutoff);
          if (expected.length === 0) continue;
          seriesCount++;
          const key = seriesKey(s.metric);
          seen.add(key);
          const mine = oursByKey.get(key);
          if (mine === undefined) {
            mismatches.push(`missing in Vigil: ${key}`);
            continue;
          }
          const got = new Map(mine.timestamps.map((t, i) => [t, mine.values[i] as number]));
          for (const [t, v] of expected) {
            compared++;
            const g = got.get(t);
            if (g === undefined || !Object.is(g, v)) mismatches.push(`${key} @${t}: Prometheus ${v}, Vigil ${g}`);
          }
          for (const [t, g] of got) {
            if (!Number.isNaN(g) && !expected.some(([et]) => et === t)) mismatches.push(`${key} @${t}: only in Vigil (${g})`);
          }
        }
        for (const [key, s] of oursByKey) {
          if (!seen.has(key) && s.values.some((v) => !Number.isNaN(v))) mismatches.push(`only in Vigil: ${key}`);
        }
        return mismatches.length === 0 && compared > 0;
      },
      20_000,
      'Vigil to hold what Prometheus holds',
      1000,
    ).catch(() => undefined);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(seriesCount).toBeGreaterThan(100);
    expect(compared).toBeGreaterThan(300);
    // node_exporter's own series made it with Prometheus' target labels.
    const load = await vigil.storage.select('default', [{ name: '__name__', op: '=', value: 'node_load1' }], 0, Date.now());
    expect(load[0]?.labels).toMatchObject({ job: 'node', instance: ne.address, env: 'e2e' });
  });
});
