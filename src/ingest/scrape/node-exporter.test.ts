import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryAvailable, NODE_EXPORTER_BIN, type PeerProcess, startNodeExporter } from '../../../test/support/prometheus.js';
import { configSchema, silentLogger } from '../../core/index.js';
import { type RealIngestServer, startRealIngestServer } from '../remote-write/testing/real-server.js';
import { Scraper } from './scraper.js';

describe.skipIf(!binaryAvailable(NODE_EXPORTER_BIN))("Vigil's scraper against a real node_exporter", () => {
  let ne: PeerProcess;
  let vigil: RealIngestServer;
  beforeAll(async () => {
    ne = await startNodeExporter();
    vigil = await startRealIngestServer([]);
  });
  afterAll(async () => {
    await ne?.stop();
    await vigil?.close();
  });

  it('stores every exposed sample with job and instance, plus up and scrape_duration_seconds', async () => {
    const jobs = configSchema.parse({ scrape: { jobs: [{ job: 'node', targets: [ne.address], interval: '5s', labels: { dc: 'lab' } }] } })
      .scrape.jobs;
    const scraper = new Scraper({ pipeline: vigil.pipeline, logger: silentLogger(), registry: new Registry(), jobs });
    const [first] = await scraper.scrapeAll();
    await new Promise((r) => setTimeout(r, 1100));
    const [second] = await scraper.scrapeAll();
    expect(first?.error).toBeNull();
    expect(second?.up).toBe(true);

    // Independent count of sample lines in node_exporter's own output.
    const text = await (await fetch(`${ne.url}/metrics`)).text();
    const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    expect(Math.abs((second?.samples ?? 0) - lines)).toBeLessThanOrEqual(lines * 0.05);

    const sel = (name: string) => vigil.storage.select('default', [{ name: '__name__', op: '=', value: name }], 0, Date.now() + 1000);
    const load = await sel('node_load1');
    expect(load).toHaveLength(1);
    expect(load[0]?.labels).toEqual({ __name__: 'node_load1', job: 'node', instance: ne.address, dc: 'lab' });
    expect(load[0]?.timestamps).toHaveLength(2);
    const cpu = await sel('node_cpu_seconds_total');
    expect(cpu.length).toBeGreaterThanOrEqual(8);
    expect(cpu.every((s) => s.labels.cpu !== undefined && s.labels.mode !== undefined)).toBe(true);
    expect((await sel('up'))[0]?.values).toEqual([1, 1]);
    const duration = (await sel('scrape_duration_seconds'))[0]?.values ?? [];
    expect(duration).toHaveLength(2);
    expect(duration.every((d) => d > 0 && d < 5)).toBe(true);
    const all = await vigil.storage.series('default', [{ name: 'job', op: '=', value: 'node' }]);
    expect(all.length).toBeGreaterThan(lines * 0.9);
  });
});
