import type { NotificationMessage } from '../types.js';

/** A realistic two-member firing notification used by the channel contract and renderer tests. */
export function sampleMessage(over: Partial<NotificationMessage> = {}): NotificationMessage {
  const t0 = Date.UTC(2026, 10, 22, 14, 3, 0);
  return {
    kind: 'firing',
    tenant: 'default',
    incidentId: 'inc-42',
    title: 'web-1: node_load1 far above normal (+1 more)',
    status: 'firing',
    severity: 'critical',
    startedAt: t0,
    resolvedAt: null,
    hosts: ['web-1', 'db-1'],
    ack: null,
    items: [
      {
        what: 'node_load1',
        where: 'web-1',
        labels: { __name__: 'node_load1', host: 'web-1' },
        severity: 'critical',
        since: t0,
        actual: '12.5',
        expected: '0.5 – 2',
        deviation: '10.5 (525%) above the expected upper bound, 7× the band width',
        reason: 'load 12.5 is far above the usual 0.5–2 for a Sunday 14:00 — café <b>',
        rule: 'high-severity-anomaly',
        detectors: ['spike', 'level_shift'],
        score: 0.99,
        active: true,
      },
      {
        what: 'node_memory_used_bytes',
        where: 'db-1',
        labels: { __name__: 'node_memory_used_bytes', host: 'db-1' },
        severity: 'warning',
        since: t0 + 20_000,
        actual: '15.2 GiB',
        expected: '6 GiB – 9 GiB',
        deviation: '6.2 GiB (69%) above the expected upper bound',
        reason: 'memory used rose sharply',
        rule: 'high-severity-anomaly',
        detectors: ['level_shift'],
        score: 0.93,
        active: true,
      },
    ],
    link: 'http://vigil.example:9470/incidents/inc-42',
    version: 1,
    createdAt: t0 + 30_000,
    ...over,
  };
}
