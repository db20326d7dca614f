import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { syntheticHost } from '../../../bench/dashboard.js';
import { PromQLEngine } from '../../promql/index.js';
import { openStorage } from '../../tsdb/index.js';

// The host page's history reads for one host (24 node_exporter-style series at 10 s): PromQL range queries, as the
// page made them before, against the store's step aggregation that GET /api/v1/charts answers with.
// Run: npx vitest bench src/api/routes/charts.bench.ts --run
const GAUGES =
  'node_load1|node_load5|node_load15|node_memory_MemAvailable_bytes|node_memory_MemTotal_bytes|node_filesystem_avail_bytes|node_filesystem_size_bytes|node_procs_running|node_procs_blocked|vigil_probe_duration_seconds';
const COUNTERS = [
  'node_cpu_seconds_total',
  'node_disk_read_bytes_total',
  'node_disk_written_bytes_total',
  'node_network_receive_bytes_total',
  'node_network_transmit_bytes_total',
];
const DAY = 86_400_000;
const now = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'vigil-charts-bench-'));
const store = await openStorage({ dir });
for (const [prefix, days] of [
  ['day', 1],
  ['week', 7],
] as const) {
  const series = syntheticHost(0, { prefix, hosts: 1, start: now - days * DAY, end: now, stepMs: 10_000 });
  for (let i = 0; i < series.length; i += 4) await store.append('t', series.slice(i, i + 4));
}
const engine = new PromQLEngine({ querier: store });

function cases(host: string, rangeMs: number, step: number): void {
  const start = now - rangeMs;
  const h = { name: 'host', op: '=' as const, value: host };
  bench('PromQL: 1 gauge selector + 5 rate() queries', async () => {
    await engine.rangeQuery('t', `{__name__=~"${GAUGES}",host="${host}"}`, start, now, step);
    for (const c of COUNTERS)
      await engine.rangeQuery('t', `rate(${c}{host="${host}"}[${Math.max(60, (2 * step) / 1000)}s])`, start, now, step);
  });
  bench('store step aggregation: avg of the gauges + rate of the counters', async () => {
    await store.selectStep('t', [{ name: '__name__', op: '=~', value: GAUGES }, h], { start, end: now, step, agg: 'avg' });
    await store.selectStep('t', [{ name: '__name__', op: '=~', value: COUNTERS.join('|') }, h], { start, end: now, step, agg: 'rate' });
  });
}

describe('24 h at 3-min steps (the host page at 24 h)', () => cases('day-0', DAY, 180_000));
describe('7 d at 30-min steps (the host page at 7 d)', () => cases('week-0', 7 * DAY, 1_800_000));

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
