import { describe, expect, it } from 'vitest';
import { otlpLabelName, otlpMetricName } from './translate.js';

describe('OTel → Prometheus names', () => {
  it.each([
    ['http.server.duration', 'ms', 'other', 'http_server_duration_milliseconds'],
    ['http.server.duration', 's', 'other', 'http_server_duration_seconds'],
    ['system.memory.usage', 'By', 'gauge', 'system_memory_usage_bytes'],
    ['system.network.io', 'By', 'counter', 'system_network_io_bytes_total'],
    ['requests', '{request}', 'counter', 'requests_total'],
    ['requests_total', '1', 'counter', 'requests_total'],
    ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
    ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
    ['latency_seconds', 's', 'other', 'latency_seconds'],
    ['2xx.count', '', 'gauge', '_2xx_count'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
    ['weird__name--x', 'widgets', 'gauge', 'weird_name_x_widgets'],
  ] as const)('%s [%s] as %s → %s', (name, unit, kind, want) => {
    expect(otlpMetricName(name, unit, kind)).toBe(want);
  });

  it.each([
    ['http.method', 'http_method'],
    ['k8s.pod.name', 'k8s_pod_name'],
    ['2fa', 'key_2fa'],
    ['_private', 'key_private'],
    ['__reserved', '__reserved'],
    ['ünï', 'key_n_'],
  ])('label %s → %s', (key, want) => {
    expect(otlpLabelName(key)).toBe(want);
  });
});
