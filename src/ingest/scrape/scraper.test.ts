import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigInput, configSchema, silentLogger } from '../../core/index.js';
import { IngestPipeline } from '../pipeline.js';
import { MemoryStore } from '../remote-write/testing/memory-store.js';
import { type ScrapeJob, Scraper } from './scraper.js';

type JobInput = NonNullable<NonNullable<ConfigInput['scrape']>['jobs']>[number];

function jobs(...input: JobInput[]): ScrapeJob[] {
  return configSchema.parse({ scrape: { jobs: input } }).scrape.jobs;
}

const servers: Server[] = [];
let scraper: Scraper | undefined;
afterEach(async () => {
  await scraper?.stop();
  scraper = undefined;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function target(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function setup(jobList: ScrapeJob[]) {
  const store = new MemoryStore();
  const registry = new Registry();
  const pipeline = new IngestPipeline({ storage: store, logger: silentLogger(), registry });
  scraper = new Scraper({ pipeline, logger: silentLogger(), registry, jobs: jobList, now: () => 1_700_000_000_000 });
  return { store, registry, scraper };
}

const EXPOSITION =
  '# TYPE node_load1 gauge\nnode_load1 0.5\nnode_cpu_seconds_total{cpu="0",mode="idle",job="inner"} 1234.5\nwith_ts 7 1600000000000\n';

describe('Scraper', () => {
  it('writes samples with job, instance and job labels, plus up and scrape_duration_seconds', async () => {
    let auth: string | undefined;
    const addr = await target((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(EXPOSITION);
    });
    const { store, scraper: s } = setup(
      jobs({ job: 'node', targets: [addr], labels: { env: 'lab' }, basicAuth: { username: 'u', password: 'p' } }),
    );
    const [outcome] = await s.scrapeAll();
    expect(outcome).toMatchObject({ up: true, samples: 3, accepted: 6, error: null });
    expect(auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    const base = { job: 'node', instance: addr, env: 'lab' };
    const get = (name: string) => store.select('default', [{ name: '__name__', op: '=', value: name }]);
    expect(get('node_load1')).toEqual([{ labels: { __name__: 'node_load1', ...base }, timestamps: [1_700_000_000_000], values: [0.5] }]);
    expect(get('node_cpu_seconds_total')[0]?.labels).toEqual({
      __name__: 'node_cpu_seconds_total',
      cpu: '0',
      mode: 'idle',
      exported_job: 'inner',
      ...base,
    });
    expect(get('with_ts')[0]?.timestamps).toEqual([1600000000000]);
    expect(get('up')[0]).toEqual({ labels: { __name__: 'up', ...base }, timestamps: [1_700_000_000_000], values: [1] });
    expect(get('scrape_samples_scraped')[0]?.values).toEqual([3]);
    const duration = get('scrape_duration_seconds')[0]?.values[0] as number;
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(5);
    expect(s.targets()[0]).toMatchObject({ health: 'up', lastSamples: 3, lastError: null });
  });

  it('keeps target labels with honorLabels and sends the bearer token', async () => {
    let auth: string | undefined;
    const addr = await target((req, res) => {
      auth = req.headers.authorization;
      res.end(EXPOSITION);
    });
    const { store, scraper: s } = setup(jobs({ job: 'node', targets: [addr], honorLabels: true, bearerToken: 'sekrit' }));
    await s.scrapeAll();
    expect(auth).toBe('Bearer sekrit');
    expect(store.select('default', [{ name: '__name__', op: '=', value: 'node_cpu_seconds_total' }])[0]?.labels.job).toBe('inner');
  });

  it('writes up 0 with the reason for failing targets: HTTP errors, timeouts, refused connections', async () => {
    const notFound = await target((_req, res) => res.writeHead(404).end());
    const slow = await target((_req, res) => setTimeout(() => res.end('x 1\n'), 2000));
    const { store, scraper: s } = setup(
      jobs(
        { job: 'a', targets: [notFound] },
        { job: 'b', targets: [slow], interval: '1s', timeout: '200ms' },
        { job: 'c', targets: ['127.0.0.1:1'] },
      ),
    );
    const outcomes = await s.scrapeAll();
    expect(outcomes.map((o) => o.up)).toEqual([false, false, false]);
    expect(outcomes[0]?.error).toContain('404');
    expect(outcomes[1]?.error).toContain('timed out');
    const ups = store.select('default', [{ name: '__name__', op: '=', value: 'up' }]);
    expect(ups.map((u) => [u.labels.job, u.values[0]]).sort()).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 0],
    ]);
    expect(s.targets().map((t) => t.health)).toEqual(['down', 'down', 'down']);
  });

  it('scrapes on its interval between start and stop', async () => {
    let hits = 0;
    const addr = await target((_req, res) => {
      hits++;
      res.end('m 1\n');
    });
    const store = new MemoryStore();
    const registry = new Registry();
    const pipeline = new IngestPipeline({ storage: store, logger: silentLogger(), registry });
    scraper = new Scraper({
      pipeline,
      logger: silentLogger(),
      registry,
      jobs: jobs({ job: 'j', targets: [addr], interval: '0.2s', timeout: '0.1s' }),
    });
    scraper.start();
    await new Promise((r) => setTimeout(r, 900));
    await scraper.stop();
    const after = hits;
    expect(after).toBeGreaterThanOrEqual(3);
    expect(after).toBeLessThanOrEqual(6);
    await new Promise((r) => setTimeout(r, 300));
    expect(hits).toBe(after);
    expect(store.select('default', [{ name: '__name__', op: '=', value: 'm' }])[0]?.values.length).toBe(after);
    expect(await registry.getSingleMetricAsString('vigil_scrapes_total')).toContain('outcome="ok"');
  });

  it('reloads its jobs without a restart', async () => {
    const a = await target((_req, res) => res.end('from_a 1\n'));
    const b = await target((_req, res) => res.end('from_b 1\n'));
    const store = new MemoryStore();
    const registry = new Registry();
    const pipeline = new IngestPipeline({ storage: store, logger: silentLogger(), registry });
    scraper = new Scraper({ pipeline, logger: silentLogger(), registry, jobs: jobs({ job: 'a', targets: [a], interval: '0.1s' }) });
    scraper.start();
    await new Promise((r) => setTimeout(r, 300));
    await scraper.reload(jobs({ job: 'b', targets: [b], interval: '0.1s' }));
    const fromA = store.select('default', [{ name: '__name__', op: '=', value: 'from_a' }])[0]?.values.length ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    expect(fromA).toBeGreaterThan(0);
    expect(store.select('default', [{ name: '__name__', op: '=', value: 'from_a' }])[0]?.values.length).toBe(fromA);
    expect(store.select('default', [{ name: '__name__', op: '=', value: 'from_b' }])[0]?.values.length).toBeGreaterThan(0);
    expect(scraper.targets().map((t) => t.job)).toEqual(['b']);
  });

  it('refuses a config whose timeout exceeds its interval', () => {
    expect(() => jobs({ job: 'x', targets: ['h:1'], interval: '5s', timeout: '10s' })).toThrow('timeout must not exceed interval');
  });
});
