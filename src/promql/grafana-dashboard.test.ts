import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PromQLEngine } from './engine.js';
import { MemoryQuerier } from './testing/memory-querier.js';

interface Panel {
  title: string;
  targets?: { expr: string; legendFormat?: string }[];
}

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/vigil-hosts.json', import.meta.url), 'utf8')) as {
  panels: Panel[];
  __inputs: { pluginId: string }[];
};

/** Grafana's own variables, replaced the way Grafana would for one host over the last hour. */
function interpolate(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$host', 'web-1');
}

function fleet(): MemoryQuerier {
  const q = new MemoryQuerier();
  const ts = Array.from({ length: 120 }, (_, i) => i * 15_000);
  const host = { host: 'web-1', instance: 'web-1:9100', job: 'node' };
  q.add(
    'default',
    { __name__: 'node_load1', ...host },
    ts,
    ts.map((_, i) => 1 + Math.sin(i / 10)),
  );
  q.add(
    'default',
    { __name__: 'node_memory_MemAvailable_bytes', ...host },
    ts,
    ts.map((_, i) => 4e9 - i * 1e6),
  );
  for (const cpu of ['0', '1']) {
    for (const mode of ['idle', 'user', 'system']) {
      q.add(
        'default',
        { __name__: 'node_cpu_seconds_total', ...host, cpu, mode },
        ts,
        ts.map((_, i) => i * (mode === 'idle' ? 10 : 2)),
      );
    }
  }
  for (const dir of ['receive', 'transmit'])
    q.add(
      'default',
      { __name__: `node_network_${dir}_bytes_total`, ...host, device: 'eth0' },
      ts,
      ts.map((_, i) => i * 1e5),
    );
  q.add(
    'default',
    { __name__: 'node_filesystem_avail_bytes', ...host, mountpoint: '/' },
    ts,
    ts.map((_, i) => 5e10 - i * 1e7),
  );
  for (const metric of ['node_load1', 'node_memory_MemAvailable_bytes']) {
    q.add(
      'default',
      { __name__: 'vigil_anomaly_score', ...host, metric },
      ts,
      ts.map(() => 0.1),
    );
    q.add(
      'default',
      { __name__: 'vigil_expected_lower', ...host, metric },
      ts,
      ts.map(() => 0.5),
    );
    q.add(
      'default',
      { __name__: 'vigil_expected_upper', ...host, metric },
      ts,
      ts.map(() => 2),
    );
  }
  for (const bound of ['point', 'lower', 'upper']) {
    const labels = {
      __name__: 'vigil_forecast',
      ...host,
      mountpoint: '/',
      forecast_of: 'node_filesystem_avail_bytes',
      resource: 'disk',
      bound,
    };
    q.add(
      'default',
      labels,
      ts,
      ts.map((_, i) => 5e10 - i * 1e7),
    );
  }
  q.add(
    'default',
    {
      __name__: 'vigil_time_to_exhaustion_seconds',
      ...host,
      mountpoint: '/',
      forecast_of: 'node_filesystem_avail_bytes',
      resource: 'disk',
    },
    [ts[100] as number],
    [86_400],
  );
  return q;
}

describe('the Grafana dashboard in docs/grafana', () => {
  it('is an importable dashboard for a Prometheus data source', () => {
    expect(dashboard.__inputs[0]?.pluginId).toBe('prometheus');
    expect(dashboard.panels.length).toBeGreaterThan(5);
  });

  it('uses only PromQL that Vigil evaluates, and every query has data on a host with scores and forecasts', async () => {
    const engine = new PromQLEngine({ querier: fleet() });
    const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: interpolate(t.expr) })));
    expect(targets.length).toBeGreaterThan(10);
    for (const t of targets) {
      const r = await engine.rangeQuery('default', t.expr, 600_000, 1_785_000, 15_000);
      expect(r.resultType, `${t.panel}: ${t.expr}`).toBe('matrix');
      expect((r as { result: unknown[] }).result.length, `${t.panel}: ${t.expr}`).toBeGreaterThan(0);
    }
  });
});
